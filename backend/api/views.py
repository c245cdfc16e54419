"""Domain objects → the response models of ``backend.contracts``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend import contracts

if TYPE_CHECKING:  # the handler's cold start loads neither the pairing use case nor the URL signer
    from backend.domain.models import Caller, Tokens, UserProfile
    from backend.domain.pairing import Couple, RequestView


def public_profile(profile: UserProfile) -> contracts.PublicProfile:
    from backend.media.urls import signed_url

    return contracts.PublicProfile(
        user_id=profile.user_id,
        username=profile.username,
        display_name=profile.display_name,
        avatar_url=signed_url(profile.avatar_key),
    )


def own_profile(profile: UserProfile, caller: Caller) -> contracts.Profile:
    return contracts.Profile(
        **public_profile(profile).model_dump(),
        email=profile.email,
        groups=list(caller.groups),
        relationship_id=profile.relationship_id,
        created_at=profile.created_at,
    )


def tokens(tokens: Tokens) -> contracts.AuthTokens:
    return contracts.AuthTokens(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token, expires_in=tokens.expires_in
    )


def partner_request(view: RequestView) -> contracts.PartnerRequest:
    return contracts.PartnerRequest(
        request_id=view.request.request_id,
        from_user=public_profile(view.sender),
        to_user=public_profile(view.recipient),
        created_at=view.request.created_at,
    )


def relationship(couple: Couple) -> contracts.Relationship:
    return contracts.Relationship(
        relationship_id=couple.relationship.relationship_id,
        partner=public_profile(couple.partner),
        since=couple.relationship.since,
        anniversary=couple.relationship.anniversary,
    )
