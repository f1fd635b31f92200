"""Chat: what the school-admin conversation needs from the core, whatever surface it runs on
(Slack direct messages, the console's chat window)."""
