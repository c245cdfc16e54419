"""DynamoDB stream handlers: cascades and clean-ups that follow committed changes."""
