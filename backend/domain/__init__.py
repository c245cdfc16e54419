"""Lumi's rules, in the user's words.

``errors``, ``models``, ``rules`` and ``tenancy`` are pure (unit-tested without sockets).
``accounts``, ``profiles`` and ``pairing`` are the use cases the API calls: they apply
those rules and reach Cognito, DynamoDB, S3 and Redis only through ``backend.store`` and
``backend.media``.
"""
