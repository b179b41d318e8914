"""The shipped priors files, installed as the package ``causal_model.priors_files``.

Edit or add the TOML files; this file only lets a wheel carry them (see pyproject.toml).
"""
