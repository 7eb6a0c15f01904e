from chalicelib.identity import codes
from chalicelib.identity.codes import code_matches, issue_code


def test_codes_are_six_digits_and_stored_only_hashed():
    issued = issue_code("session-a")
    assert len(issued.plaintext) == 6 and issued.plaintext.isdigit()
    assert issued.plaintext not in issued.digest and issued.plaintext not in issued.salt
    assert code_matches("session-a", issued.salt, issued.digest, issued.plaintext)


def test_codes_come_from_the_os_csprng(monkeypatch):
    calls = []

    def fake_randbelow(bound):
        calls.append(bound)
        return 42

    monkeypatch.setattr(codes.secrets, "randbelow", fake_randbelow)
    assert issue_code("s").plaintext == "000042"
    assert calls == [1_000_000]


def test_a_code_is_bound_to_its_session():
    issued = issue_code("session-a")
    assert not code_matches("session-b", issued.salt, issued.digest, issued.plaintext)


def test_wrong_or_malformed_codes_do_not_match():
    issued = issue_code("s")
    wrong = f"{(int(issued.plaintext) + 1) % 1_000_000:06d}"
    for entered in (wrong, "", "12345", "1234567", issued.plaintext + " ", "abcdef"):
        assert not code_matches("s", issued.salt, issued.digest, entered)


def test_two_codes_do_not_share_a_salt():
    assert issue_code("s").salt != issue_code("s").salt
