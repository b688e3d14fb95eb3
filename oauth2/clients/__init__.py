"""IMAP and SMTP clients that log in with XOAUTH (OAuth 1.0a) or XOAUTH2."""
