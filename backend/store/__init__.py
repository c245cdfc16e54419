"""Where Lumi keeps things: the DynamoDB single table, Cognito, Redis.

Every DynamoDB key is built in ``keys``; repositories (``users``, ``relationships``) return
domain objects and turn ``ClientError`` into domain errors.
"""
