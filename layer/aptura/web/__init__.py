"""The browser side of Aptura: dashboard sign-in sessions and their CSRF protection."""
