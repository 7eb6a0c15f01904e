"""The link session's rules, without I/O: steps, forward-only moves, codes, cooldowns, expiry."""

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import CodeExpired, LinkSessionExpired, RateLimited, WrongCode, WrongStep
from chalicelib.identity import link_flow as flow
from chalicelib.identity.codes import MAX_WRONG_ENTRIES, issue_code
from chalicelib.identity.link_flow import FlowTimings, Purpose, Step

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
TIMINGS = FlowTimings(code_ttl_s=300, resend_cooldown_s=120, session_ttl_s=900)


def fresh():
    return flow.open_session("sid", "person", "+79161234567", T0, TIMINGS)


def at_code(purpose=Purpose.SIGN_IN):
    session = fresh()
    code = issue_code(session.session_id)
    if purpose is Purpose.SIGN_IN:
        return flow.code_sent_for_sign_in(session, "acc", code, T0), code.plaintext
    registering = flow.start_registration(session)
    return flow.code_sent_for_registration(registering, "hash", code, T0), code.plaintext


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_session_always_starts_at_password_and_expires_after_its_lifetime():
    session = fresh()
    assert session.step is Step.PASSWORD and not session.phone_verified
    flow.require_live(session, T0 + timedelta(seconds=899))
    with pytest.raises(LinkSessionExpired):
        flow.require_live(session, T0 + timedelta(seconds=900))
    assert flow.session_expires_in_s(session, T0 + timedelta(seconds=100)) == 800


def test_sign_in_path_reaches_done():
    session, code = at_code()
    assert session.step is Step.CODE and session.account_id == "acc"
    outcome = flow.enter_code(session, code, T0 + timedelta(seconds=10), TIMINGS)
    assert outcome.accepted
    session = flow.after_code_sign_in(outcome.session, has_profile=True)
    assert session.step is Step.CHOOSE_PROFILE and session.phone_verified
    assert flow.confirmed(session).step is Step.DONE


def test_registration_path_creates_then_chooses_the_profile():
    session, code = at_code(Purpose.REGISTER)
    assert session.new_password_hash == "hash"
    outcome = flow.enter_code(session, code, T0, TIMINGS)
    session = flow.after_code_registered(outcome.session, "new-acc")
    assert session.step is Step.CREATE_PROFILE and session.new_password_hash is None
    assert flow.profile_created(session).step is Step.CHOOSE_PROFILE


def test_a_taken_number_asks_for_its_password_once_the_phone_is_proven():
    session, code = at_code(Purpose.REGISTER)
    session = flow.after_code_number_taken(flow.enter_code(session, code, T0, TIMINGS).session)
    assert session.step is Step.PASSWORD and session.phone_verified and session.new_password_hash is None
    with pytest.raises(WrongStep):
        flow.start_registration(session)
    with pytest.raises(WrongStep):  # the proven phone needs no second code
        flow.code_sent_for_sign_in(session, "acc", issue_code("sid"), T0)
    assert flow.signed_in_with_proven_phone(session, "acc", has_profile=False).step is Step.CREATE_PROFILE


def test_signing_in_without_a_proven_phone_needs_the_code():
    with pytest.raises(WrongStep):
        flow.signed_in_with_proven_phone(fresh(), "acc", has_profile=True)


def _every_reachable_session():
    start = fresh()
    code_in, plain = at_code()
    reg_code, reg_plain = at_code(Purpose.REGISTER)
    proven = flow.enter_code(code_in, plain, T0, TIMINGS).session
    reg_proven = flow.enter_code(reg_code, reg_plain, T0, TIMINGS).session
    taken = flow.after_code_number_taken(reg_proven)
    create = flow.after_code_sign_in(proven, has_profile=False)
    choose = flow.profile_created(create)
    return [
        start,
        flow.start_registration(start),
        code_in,
        taken,
        create,
        choose,
        flow.confirmed(choose),
    ]


def test_ranks_strictly_increase_along_the_flow():
    ranks = [flow.rank(s) for s in _every_reachable_session()]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks) and min(ranks) >= 0


MOVES = {
    "register": lambda s: flow.start_registration(s),
    "sign-in code": lambda s: flow.code_sent_for_sign_in(s, "acc", issue_code("sid"), T0),
    "registration code": lambda s: flow.code_sent_for_registration(s, "h", issue_code("sid"), T0),
    "after code (sign in)": lambda s: flow.after_code_sign_in(s, has_profile=True),
    "after code (registered)": lambda s: flow.after_code_registered(s, "acc"),
    "after code (taken)": lambda s: flow.after_code_number_taken(s),
    "proven sign in": lambda s: flow.signed_in_with_proven_phone(s, "acc", has_profile=True),
    "profile created": lambda s: flow.profile_created(s),
    "confirm": lambda s: flow.confirmed(s),
}


@pytest.mark.parametrize("move", sorted(MOVES))
def test_no_move_ever_goes_back_or_sideways(move):
    for session in _every_reachable_session():
        try:
            moved = MOVES[move](session)
        except WrongStep as refused:
            assert refused.extensions["step"] == session.step.value
            continue
        assert flow.rank(moved) > flow.rank(session), (move, session.step, moved.step)


def test_a_done_session_accepts_no_move():
    done = _every_reachable_session()[-1]
    for move in MOVES.values():
        with pytest.raises(WrongStep):
            move(done)


def test_wrong_codes_count_and_the_fifth_kills_the_code():
    session, code = at_code()
    for attempt in range(1, MAX_WRONG_ENTRIES + 1):
        outcome = flow.enter_code(session, wrong(code), T0, TIMINGS)
        assert not outcome.accepted
        session = outcome.session
        assert flow.attempts_left(session) == MAX_WRONG_ENTRIES - attempt
        error = flow.wrong_code_error(session)
        assert (
            isinstance(error, WrongCode) and error.extensions["attempts_left"] == MAX_WRONG_ENTRIES - attempt
        )
    with pytest.raises(CodeExpired):  # the sixth entry, even the right code
        flow.enter_code(session, code, T0, TIMINGS)
    assert flow.code_expires_in_s(session, T0, TIMINGS) == 0


def test_a_code_expires_after_its_ttl():
    session, code = at_code()
    assert flow.code_expires_in_s(session, T0 + timedelta(seconds=299), TIMINGS) == 1
    with pytest.raises(CodeExpired):
        flow.enter_code(session, code, T0 + timedelta(seconds=300), TIMINGS)


def test_a_used_code_cannot_be_entered_again():
    session, code = at_code()
    used = flow.enter_code(session, code, T0, TIMINGS).session
    with pytest.raises(CodeExpired):
        flow.enter_code(used, code, T0, TIMINGS)
    moved = flow.after_code_sign_in(used, has_profile=True)
    with pytest.raises(WrongStep):
        flow.enter_code(moved, code, T0, TIMINGS)


def test_resend_waits_for_the_cooldown_then_replaces_the_code():
    session, code = at_code()
    session = flow.enter_code(session, wrong(code), T0, TIMINGS).session
    assert flow.resend_after_s(session, T0 + timedelta(seconds=1), TIMINGS) == 119
    with pytest.raises(RateLimited) as caught:
        flow.require_resend_allowed(session, T0 + timedelta(seconds=119), TIMINGS)
    assert caught.value.retry_after_s == 1
    later = T0 + timedelta(seconds=120)
    flow.require_resend_allowed(session, later, TIMINGS)
    replacement = issue_code(session.session_id)
    resent = flow.with_new_code(session, replacement, later)
    assert resent.step is Step.CODE and resent.wrong_codes == 0
    assert not flow.enter_code(resent, code, later, TIMINGS).accepted
    assert flow.enter_code(resent, replacement.plaintext, later, TIMINGS).accepted


def test_resend_is_only_for_the_code_step():
    with pytest.raises(WrongStep):
        flow.require_resend_allowed(fresh(), T0, TIMINGS)


def test_the_cooldown_is_configurable():
    session, _ = at_code()
    quick = FlowTimings(code_ttl_s=300, resend_cooldown_s=30, session_ttl_s=900)
    assert flow.resend_after_s(session, T0, quick) == 30
