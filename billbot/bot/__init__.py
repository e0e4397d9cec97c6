"""The chat bot: what a linked borrower writes, answered from the services the app uses."""
