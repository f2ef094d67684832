"""Declarations of interest (about one person in seven), the projects each touches, and the ethics
reviews of most of them."""

from __future__ import annotations

import uuid

from stepchange.core.audit import AuditEntry
from stepchange.demo.batch import Chunk, Newcomer, ProjectInfo, stamp
from stepchange.demo.vocabulary import DECLARATIONS, REVIEW_REASONS
from stepchange.ethics.models import (
    ConflictKind,
    Declaration,
    DeclarationOutcome,
    DeclarationReview,
    Recusal,
    ReviewState,
    declaration_project,
)


def declaration(chunk: Chunk, someone: Newcomer, chosen: list[ProjectInfo]) -> uuid.UUID:
    """A declaration of interest touching projects the person chose, and (for most, once a reviewer has had
    a couple of days) its ethics review; a few unreviewed ones carry the reviewer's recusal."""
    gen, rng = chunk.gen, chunk.rng
    declaration_id = gen.new_id()
    kind = rng.choices(list(ConflictKind), weights=(35, 35, 15, 15))[0]
    other = rng.choices(gen.orgs, weights=gen.org_weights)[0].name if rng.random() < 0.6 else someone.org.name
    reviewed_at = gen.after(someone.submitted, 48, 24 * 14) if not someone.special and rng.random() < 0.7 else None
    outcome = rng.choices(list(DeclarationOutcome), weights=(55, 35, 10))[0] if reviewed_at else None
    chunk.add(
        Declaration,
        id=declaration_id,
        volunteer_id=someone.id,
        kind=kind,
        description=rng.choice(DECLARATIONS[kind]).format(org=other),
        organisation=other,
        state=outcome.state if outcome else ReviewState.PENDING,
        withdrawn_at=None,
        **stamp(someone.submitted),
    )
    touched = chosen[: rng.randint(1, min(2, len(chosen)))]
    for project in touched:
        chunk.add(declaration_project, declaration_id=declaration_id, project_id=project.id)
    if outcome is not None and reviewed_at is not None:
        chunk.add(
            DeclarationReview,
            id=gen.new_id(),
            declaration_id=declaration_id,
            reviewer_id=gen.ethics.id,
            reviewer=gen.ethics.label,
            outcome=outcome,
            previous_state=ReviewState.PENDING,
            reason=REVIEW_REASONS[outcome],
            mitigation="Kept out of supplier selection; declared at each meeting."
            if outcome is DeclarationOutcome.MANAGED
            else "",
            **stamp(reviewed_at),
        )
        chunk.rows[AuditEntry].append(
            gen.audit(
                gen.ethics,
                "ethics.declaration_reviewed",
                "declaration",
                declaration_id,
                f"Declaration reviewed: {outcome.value}",
                reviewed_at,
                {"state": {"before": "pending", "after": outcome.value}},
            )
        )
    elif someone.special or rng.random() < 0.05:
        chunk.add(
            Recusal,
            id=gen.new_id(),
            declaration_id=declaration_id,
            project_id=None,
            reviewer_id=gen.ethics.id,
            reviewer=gen.ethics.label,
            reason="The reviewer's own organisation is named in the declaration",
            **stamp(gen.between(someone.submitted, gen.now)),
        )
    return declaration_id
