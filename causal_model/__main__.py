"""``python -m causal_model``: the command line."""

from causal_model.app.cli import main

raise SystemExit(main())
