"""Categories, the borrower's rules, corrections and explanations; the operator's rules."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status

from billbot.categorize import service
from billbot.categorize.explanations import explain_transaction
from billbot.categorize.schemas import (
    CorrectionRequest,
    CorrectionResult,
    RuleChange,
    RuleCreate,
    RulePublic,
    RuleUpdate,
)
from billbot.categorize.taxonomy import load_taxonomy
from billbot.deps import ClockDep, CurrentUser, SessionDep, operator
from billbot.transactions.schemas import TransactionPublic
from billbot.transactions.service import get_transaction

router = APIRouter(tags=["borrower: categories"])
operator_router = APIRouter(
    prefix="/operator/v1", tags=["operator"], dependencies=[Depends(operator("rules:write"))]
)


@router.get("/v1/categories")
def categories(
    locale: Annotated[Literal["en", "zh-CN"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """The category tree with its sub-categories; every label, or those of one locale."""
    return load_taxonomy().to_tree(locale)


@router.post("/v1/transactions/{transaction_id}/category")
def correct_category(
    transaction_id: int,
    body: CorrectionRequest,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
) -> CorrectionResult:
    """Recategorise one transaction; with `always`, all from its merchant, now and later."""
    assert user.id is not None
    transaction = get_transaction(session, user_id=user.id, transaction_id=transaction_id)
    rule, changed = service.correct(
        session,
        user_id=user.id,
        transaction=transaction,
        sub_category=body.sub_category,
        always=body.always,
        now=clock.now(),
    )
    return CorrectionResult(
        transaction=TransactionPublic.model_validate(transaction),
        rule=RulePublic.model_validate(rule) if rule else None,
        recategorised=changed,
    )


@router.get("/v1/transactions/{transaction_id}/explanation")
def explain(
    transaction_id: int,
    user: CurrentUser,
    session: SessionDep,
    locale: Literal["en", "zh-CN"] | None = None,
) -> dict[str, Any]:
    """Why the transaction is in its category ("MCC 5814 fast food", "your rule for ...")."""
    assert user.id is not None
    transaction = get_transaction(session, user_id=user.id, transaction_id=transaction_id)
    return explain_transaction(transaction, locale or user.locale)


@router.get("/v1/category-rules")
def list_my_rules(user: CurrentUser, session: SessionDep) -> list[RulePublic]:
    """The borrower's own rules, newest first."""
    return [RulePublic.model_validate(r) for r in service.list_rules(session, user_id=user.id)]


@router.post("/v1/category-rules", status_code=status.HTTP_201_CREATED)
def create_my_rule(
    body: RuleCreate, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> RuleChange:
    """Add a rule and apply it to the borrower's history."""
    assert user.id is not None
    record = service.create_rule(session, user_id=user.id, now=clock.now(), **body.model_dump())
    changed = service.apply_user_rule(session, user_id=user.id, record=record)
    return RuleChange(rule=RulePublic.model_validate(record), recategorised=changed)


@router.patch("/v1/category-rules/{rule_id}")
def update_my_rule(
    rule_id: int, body: RuleUpdate, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> RuleChange:
    """Change a rule and re-apply it (and undo what it no longer matches)."""
    assert user.id is not None
    record = service.get_rule(session, user_id=user.id, rule_id=rule_id)
    before = service.update_rule(
        session,
        record=record,
        changes=body.model_dump(exclude_unset=True, exclude_none=True),
        now=clock.now(),
    )
    changed = service.apply_user_rule(session, user_id=user.id, record=record, previous=before)
    return RuleChange(rule=RulePublic.model_validate(record), recategorised=changed)


@router.delete("/v1/category-rules/{rule_id}")
def delete_my_rule(rule_id: int, user: CurrentUser, session: SessionDep) -> RuleChange:
    """Delete a rule; what it decided goes back to the automatic category."""
    assert user.id is not None
    record = service.get_rule(session, user_id=user.id, rule_id=rule_id)
    return RuleChange(
        rule=None, recategorised=service.delete_user_rule(session, user_id=user.id, record=record)
    )


@operator_router.get("/category-rules")
def list_operator_rules(session: SessionDep) -> list[RulePublic]:
    """The operator's rules, newest first."""
    return [RulePublic.model_validate(r) for r in service.list_rules(session, user_id=None)]


@operator_router.post("/category-rules", status_code=status.HTTP_201_CREATED)
def create_operator_rule(body: RuleCreate, session: SessionDep, clock: ClockDep) -> RulePublic:
    """Add an operator rule; it applies to transactions ingested from now on."""
    return RulePublic.model_validate(
        service.create_rule(session, user_id=None, now=clock.now(), **body.model_dump())
    )


@operator_router.patch("/category-rules/{rule_id}")
def update_operator_rule(
    rule_id: int, body: RuleUpdate, session: SessionDep, clock: ClockDep
) -> RulePublic:
    """Change an operator rule."""
    record = service.get_rule(session, user_id=None, rule_id=rule_id)
    service.update_rule(
        session,
        record=record,
        changes=body.model_dump(exclude_unset=True, exclude_none=True),
        now=clock.now(),
    )
    return RulePublic.model_validate(record)


@operator_router.delete("/category-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_operator_rule(rule_id: int, session: SessionDep) -> None:
    """Delete an operator rule."""
    session.delete(service.get_rule(session, user_id=None, rule_id=rule_id))
