"""``python -m aptura.spec check PATH...`` (see :mod:`aptura.spec.check`)."""

import sys

from aptura.spec.check import main

sys.exit(main(sys.argv[1:]))
