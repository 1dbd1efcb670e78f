"""Identifier and value checks: real FINESS / SIREN / SIRET numbers pass, corrupted ones fail.

Known-good numbers come from ``shared/data/finess`` (FINESS FHIR extract of 2021-01-08 and the
FINESS+ sample of 2026-03-09) and from docs/ror-model.md §6; codes come from the shipped NOS tables.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ror_graph.models.coded import ACTIVITE, CHAMP, MODE_PEC, PUBLIC
from ror_graph.services.core.errors import BadInputError, InvalidCodeError
from ror_graph.services.core.validation import (
    check_age_range,
    check_codes,
    commune_code_ok,
    departement_of_commune,
    email_ok,
    finess_ok,
    luhn_ok,
    phone_ok,
    siren_ok,
    siret_ok,
)

# Verified in docs/ror-model.md §6 (CHU Paris, HCL Lyon, AP-HM, an Hauts-de-Seine EG).
KNOWN_FINESS = ["750712184", "690781810", "130786049", "920000650"]
# Real pairs from the FHIR extract: IME Vallée de l'Anjou (EJ 490535200, ET 490000015, SIRET 30079812100053).
KNOWN_SIRET = ["30079812100053", "78834992600048"]
FHIR = Path("data/finess/fhir-20210108/finess-fhir-20210108-dep49-75.ndjson")
FINESS_PLUS = Path("data/finess/finess-plus/sample-finess-structures-journalier-20260309.json")


def _corruptions(value: str) -> list[str]:
    """Every variant of an all-digit ``value`` with exactly one digit changed."""
    return [value[:i] + d + value[i + 1:] for i in range(len(value)) for d in "0123456789" if d != value[i]]


def _shared_numbers(shared_dir: Path, limit: int = 200) -> dict[str, set[str]]:
    """FINESS ET/EJ numbers and SIRETs read from the shared FHIR extract and FINESS+ sample."""
    found: dict[str, set[str]] = {"finess": set(), "siret": set(), "siren": set()}
    with (shared_dir / FHIR).open(encoding="utf-8") as handle:
        for line in handle:
            resource = json.loads(line)
            if resource["resourceType"] != "Organization":
                continue
            found["finess"].update(resource["id"].split("-")[:2])  # "<EJ finess>-<ET finess>"
            found["siret"].update(i["value"] for i in resource["identifier"] if i["system"] == "http://sirene.fr")
            if len(found["finess"]) >= limit:
                break
    text = (shared_dir / FINESS_PLUS).read_text(encoding="utf-8")
    found["finess"].update(re.findall(r'"numFiness(?:Pm|Ege)" : "(\w+)"', text))
    found["siren"].update(re.findall(r'"siren" : "(\d+)"', text))
    found["siret"].update(re.findall(r'"siret" : "(\d+)"', text))
    return found


# --- FINESS -------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", KNOWN_FINESS)
def test_known_finess_numbers_pass(number):
    assert finess_ok(number)


def test_every_finess_number_of_the_shared_files_passes(shared_dir):
    # given real EJ and ET numbers from two different FINESS publications
    numbers = _shared_numbers(shared_dir)["finess"]
    assert len(numbers) > 200
    # then each one is accepted, and any single-digit corruption of it is refused
    assert [n for n in numbers if not finess_ok(n)] == []
    sample = sorted(numbers)[:20]
    assert [c for n in sample for c in _corruptions(n) if finess_ok(c)] == []


def test_ig_example_finess_fails_luhn():
    # the ANS IG example EG "Quiétude BOIS COLOMBES" carries a made-up number
    assert not finess_ok("458174839")


@pytest.mark.parametrize("number", ["750712185", "750712194", "570712184", "75071218", "7507121840", "", None])
def test_corrupted_or_misshapen_finess_fails(number):
    assert not finess_ok(number)


@pytest.mark.parametrize("number", ["2A0000123", "2B0001234"])
def test_corsican_finess_shape_is_accepted(number):
    # the Luhn substitution for 2A/2B is undocumented: only the shape is checked
    assert finess_ok(number)


@pytest.mark.parametrize("number", ["2C0000123", "2a0000123", "2A000012", "2A00001234", "2AB000123", "75071218X",
                                    "7A0712184"])
def test_letters_outside_the_corsican_prefix_fail(number):
    assert not finess_ok(number)


@settings(database=None)  # no .hypothesis/ example database in the working tree
@given(
    number=st.sampled_from([*KNOWN_FINESS, "490000015", "490535200", "010000024", "980600027"]),
    position=st.integers(min_value=0, max_value=8),
    shift=st.integers(min_value=1, max_value=9),
)
def test_changing_one_digit_of_a_valid_finess_always_breaks_luhn(number, position, shift):
    # given a valid all-digit FINESS number
    assert finess_ok(number)
    # when exactly one digit is replaced by another digit
    digit = str((int(number[position]) + shift) % 10)
    corrupted = number[:position] + digit + number[position + 1:]
    # then the key no longer matches
    assert not finess_ok(corrupted)


def test_luhn_needs_digits_only():
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")
    assert not luhn_ok("7992739871A")
    assert not luhn_ok("")


# --- SIREN / SIRET ------------------------------------------------------------------------------


def test_shared_siren_and_siret_pass_and_their_corruptions_fail(shared_dir):
    numbers = _shared_numbers(shared_dir)
    assert len(numbers["siret"]) > 50 and len(numbers["siren"]) > 10
    assert [s for s in numbers["siret"] if not siret_ok(s)] == []
    assert [s for s in numbers["siren"] if not siren_ok(s)] == []
    # the SIREN inside every real SIRET is itself valid
    assert [s for s in numbers["siret"] if not siren_ok(s[:9])] == []
    sample = sorted(numbers["siret"])[:10]
    assert [c for s in sample for c in _corruptions(s) if siret_ok(c)] == []


@pytest.mark.parametrize("siret", KNOWN_SIRET)
def test_known_siret_pass(siret):
    assert siret_ok(siret)
    assert siren_ok(siret[:9])


@pytest.mark.parametrize("value", ["300798121", "3007981210005", "300798121000531", "3007981210005A", "", None])
def test_misshapen_siren_siret_fail(value):
    assert not siret_ok(value)


@pytest.mark.parametrize("value", ["300798120", "30079812", "3007981210", "30079812A", "", None])
def test_bad_siren_fails(value):
    assert not siren_ok(value)


def test_la_poste_siret_uses_the_digit_sum_rule():
    # La Poste establishments (SIREN 356000000) are keyed by "sum of digits multiple of 5", not Luhn
    assert siret_ok("35600000049837")  # digit sum 45
    assert not siret_ok("35600000049838")  # digit sum 46


# --- Communes and ages --------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["49007", "75056", "2A004", "2B033", "97411", "01001"])
def test_cog_commune_codes_pass(code):
    assert commune_code_ok(code)


@pytest.mark.parametrize("code", ["4900", "490070", "2C004", "2a004", "49 07", "", None])
def test_bad_commune_codes_fail(code):
    assert not commune_code_ok(code)


@pytest.mark.parametrize(("code", "departement"), [("49007", "49"), ("2A004", "2A"), ("97411", "974"),
                                                   ("98611", "986"), ("75056", "75")])
def test_departement_of_commune(code, departement):
    assert departement_of_commune(code) == departement


@pytest.mark.parametrize(("age_min", "age_max"), [(0, 120), (60, 120), (18, 18), (0, 0), (120, 120)])
def test_valid_age_ranges_are_inclusive(age_min, age_max):
    check_age_range(age_min, age_max)  # does not raise


@pytest.mark.parametrize(("age_min", "age_max"), [(61, 60), (-1, 10), (0, 121), (None, 60), (18, None)])
def test_invalid_age_ranges_are_refused(age_min, age_max):
    with pytest.raises(BadInputError) as error:
        check_age_range(age_min, age_max, field="ageMax")
    assert error.value.code == "BAD_INPUT" and error.value.field == "ageMax"


# --- Phones and e-mails -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["02 41 35 36 37", "02.41.35.36.37", "0241353637", "+33241353637", "15", "112",
                                   "3919", "116117"])
def test_valid_phones(value):
    assert phone_ok(value)


@pytest.mark.parametrize("value", ["02 41 35 36", "2413536370", "abc", "+33", "00", "9", "02 41 35 36 37 38"])
def test_invalid_phones(value):
    assert not phone_ok(value)


def test_emails():
    assert email_ok("accueil@chu-angers.fr")
    assert email_ok("alerte.ssiad@demo.ror-graph.invalid")
    assert not email_ok("accueil@chu-angers")
    assert not email_ok("accueil chu@angers.fr")
    assert not email_ok("@angers.fr")


# --- Codes against the loaded nomenclature ------------------------------------------------------


async def test_active_codes_are_accepted(session):
    await check_codes(session, ACTIVITE, ["287", "288"], field="activites")
    await check_codes(session, CHAMP, ["04"], field="champActivite")
    await check_codes(session, PUBLIC, [], field="publics")  # nothing to check


async def test_deprecated_code_is_refused(session):
    # R211 002 "Addictologie sans précision" is deprecated since 2019: readable, never writable
    with pytest.raises(InvalidCodeError) as error:
        await check_codes(session, ACTIVITE, ["287", "002"], field="activites")
    assert error.value.code == "INVALID_CODE" and error.value.field == "activites"
    assert "« 002 » de l'attribut Activités opérationnelles est obsolète" in error.value.message


async def test_deprecated_mode_de_prise_en_charge_is_refused(session):
    with pytest.raises(InvalidCodeError):
        await check_codes(session, MODE_PEC, ["22"], field="modePriseEnCharge")  # USI, deprecated


async def test_unknown_code_is_refused(session):
    with pytest.raises(InvalidCodeError) as error:
        await check_codes(session, ACTIVITE, ["999"], field="activites")
    assert error.value.message == ("Le code « 999 » n'existe pas pour l'attribut Activités opérationnelles "
                                   "(nomenclature TRE_R211-ActiviteOperationnelle).")


async def test_code_of_another_system_is_refused(session):
    # "46" is a mode de prise en charge (Hébergement), not a champ d'activité (01..06)
    await check_codes(session, MODE_PEC, ["46"], field="modePriseEnCharge")
    with pytest.raises(InvalidCodeError):
        await check_codes(session, CHAMP, ["46"], field="champActivite")


async def test_codes_keep_their_leading_zeros(session):
    with pytest.raises(InvalidCodeError):
        await check_codes(session, ACTIVITE, ["287.0"], field="activites")
    with pytest.raises(InvalidCodeError):
        await check_codes(session, CHAMP, ["4"], field="champActivite")
