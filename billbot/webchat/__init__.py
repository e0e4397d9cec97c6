"""The app's own chat with the bot: the consumer API and its stored conversation."""
