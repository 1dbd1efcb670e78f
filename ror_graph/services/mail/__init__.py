"""Outgoing e-mail: one mailer for campaign reminders and password-reset links.

Settings come as a ``MailConfig`` (the composition root builds it from ``ROR_GRAPH_SMTP_*``): with an
SMTP host, messages go through it (STARTTLS and credentials when set); without one, each message is
written as a file into a local mailbox folder (Maildir) in the data dir, which is what ``make run`` uses.
"""
