import pytest

from chalicelib.identity.phone import InvalidPhone, mask_phone, mask_phone_for_owner, normalise_phone


@pytest.mark.parametrize(
    "typed",
    [
        "8 (916) 123-45-67",
        "+7 916 123 45 67",
        "+7 (916) 123-45-67",
        "89161234567",
        "9161234567",
        "  +79161234567  ",
        "7 916 123.45.67",
        "+7\u00a0916 123 45 67\n",
        "＋７ ９１６ １２３ ４５ ６７",
    ],
)
def test_russian_numbers_normalise_to_e164(typed):
    assert normalise_phone(typed) == "+79161234567"


def test_foreign_mobile_numbers_keep_their_country():
    assert normalise_phone("+44 7400 123456") == "+447400123456"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "12345",
        "+7 916 123 45 6",  # one digit short
        "+7 916 CALL-NOW",  # letters (libphonenumber would read them as digits)
        "8 (495) 123-45-67",  # a Moscow landline: cannot receive SMS
        "+7 916 123 45 67 ext. 5",
        "+" + "9" * 40,
        "+7 916 123 45 67 x5",
    ],
)
def test_what_is_not_a_mobile_number_is_refused(typed):
    with pytest.raises(InvalidPhone):
        normalise_phone(typed)


def test_mask_shows_only_country_code_and_last_two_digits():
    assert mask_phone("+79161234511") == "+7 *** ** *11"
    masked = mask_phone("+447400123456")
    assert masked == "+44 *** ** *56"
    assert "7400" not in masked and "1234" not in masked


def test_the_owner_sees_enough_of_the_number_to_check_it() -> None:
    assert mask_phone_for_owner("+79161234567") == "+7 916 ***-**-67"
    assert mask_phone_for_owner("+447400123456") == "+44 740 ***-**-56"
    shown = mask_phone_for_owner("+79161234567")
    assert "1234" not in shown and "2345" not in shown
    assert mask_phone_for_owner("not a number") == mask_phone("not a number")


def test_the_sms_names_the_product_as_the_journal_does_and_starts_with_the_code() -> None:
    from chalicelib.identity.linking import sms_text

    text = sms_text("123456", 300)
    assert text.startswith("123456 — ") and "«Школьные чаты»" in text and "5 мин" in text
    assert "School Chats" not in text
