"""The application: the command line, the main job, run configs and the HTML report."""
