"""``python -m causal_model``: the command line (see :mod:`causal_model.cli`)."""

from causal_model.cli import main

raise SystemExit(main())
