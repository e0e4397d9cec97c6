"""The issuer's operator API: enrol customers, open accounts, post transactions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import AwareDatetime, BaseModel, Field

from billbot.accounts.schemas import AccountCreate, AccountPublic
from billbot.accounts.service import open_account
from billbot.deps import ClockDep, SessionDep, SettingsDep, operator
from billbot.errors import PayloadTooLarge, ValidationFailed
from billbot.operator.service import find_account, find_user
from billbot.repayments.service import record_funding_source
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.transactions.schemas import IngestItem, IngestSummary, TransactionBatch
from billbot.users.schemas import UserOperatorCreate, UserPublic
from billbot.users.service import create_user

router = APIRouter(prefix="/operator/v1", tags=["operator"])


@router.post(
    "/users", status_code=status.HTTP_201_CREATED, dependencies=[Depends(operator("users:write"))]
)
def enrol_user(body: UserOperatorCreate, session: SessionDep, clock: ClockDep) -> UserPublic:
    """Enrol one of the issuer's customers."""
    user = create_user(
        session, email=body.email, password=body.password, profile=body, now=clock.now()
    )
    return UserPublic.model_validate(user)


@router.post(
    "/users/{user_id}/accounts",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(operator("users:write"))],
)
def add_account(
    user_id: int, body: AccountCreate, session: SessionDep, clock: ClockDep
) -> AccountPublic:
    """Open an account for an enrolled customer."""
    user = find_user(session, user_id)
    assert user.id is not None
    return AccountPublic.model_validate(
        open_account(session, user_id=user.id, data=body, now=clock.now())
    )


@router.post(
    "/accounts/{account_id}/transactions", dependencies=[Depends(operator("transactions:write"))]
)
def post_transactions(
    account_id: int,
    body: TransactionBatch,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    details: Annotated[bool, Query(description="list every item's outcome")] = True,
) -> IngestSummary:
    """Post up to 10,000 transactions; idempotent on (account, external_id)."""
    if len(body.transactions) > settings.max_batch_transactions:
        raise PayloadTooLarge(
            f"a batch holds at most {settings.max_batch_transactions} transactions; "
            f"this one has {len(body.transactions)}",
            code="ingest.batch_too_large",
        )
    account, user = find_account(session, account_id)
    items = [
        NewTransaction(
            external_id=t.external_id,
            amount_minor=t.amount_minor,
            currency=t.currency,
            description=t.merchant,
            mcc=t.mcc,
            kind=t.kind,
            status=t.status,
            posted_at=t.posted_at,
        )
        for t in body.transactions
    ]
    result = ingest(
        session,
        account=account,
        time_zone=user.time_zone,
        items=items,
        now=clock.now(),
        categorise=request.app.state.categorise,
        after_store=request.app.state.after_store,
    )
    return IngestSummary(
        created=result.count("created"),
        duplicates=result.count("duplicate"),
        updated=result.count("updated"),
        rejected=result.count("rejected"),
        items=[
            IngestItem(
                index=o.index,
                external_id=o.external_id,
                outcome=o.outcome,
                id=o.id,
                reason=o.reason,
            )
            for o in result.outcomes
        ]
        if details
        else None,
    )


class RepaymentIn(BaseModel):
    """A repayment the issuer received; `amount_minor` is positive."""

    external_id: str = Field(min_length=1, max_length=128)
    amount_minor: int = Field(gt=0, strict=True)
    paid_at: AwareDatetime
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    funding_source: str = Field(default="", max_length=80)


@router.post(
    "/accounts/{account_id}/repayments", dependencies=[Depends(operator("repayments:write"))]
)
def post_repayment(
    account_id: int, body: RepaymentIn, request: Request, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Record a repayment once (idempotent on external_id); statements update at once."""
    account, user = find_account(session, account_id)
    item = NewTransaction(
        external_id=body.external_id,
        amount_minor=-body.amount_minor,
        currency=body.currency,
        description=f"Repayment {body.funding_source}".strip(),
        kind="repayment",
        posted_at=body.paid_at,
    )
    result = ingest(
        session,
        account=account,
        time_zone=user.time_zone,
        items=[item],
        now=clock.now(),
        categorise=request.app.state.categorise,
        after_store=request.app.state.after_store,
    )
    outcome = result.outcomes[0]
    if outcome.outcome == "rejected":
        raise ValidationFailed(
            outcome.reason or "the repayment was refused", code="repayment.invalid"
        )
    repayment = record_funding_source(
        session,
        account_id=account_id,
        external_id=body.external_id,
        funding_source=body.funding_source,
    )
    return {
        "outcome": outcome.outcome,
        "transaction_id": outcome.id,
        "repayment_id": repayment.id if repayment else None,
    }
