"""Provider webhooks: authenticate, de-duplicate, hand each event to the conversation, answer."""
