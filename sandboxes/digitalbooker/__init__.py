"""DigitalBooker sandbox (Public + Admin API); see README.md for reconstructed names and choices."""
