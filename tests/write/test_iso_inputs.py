"""JSON carries dates and times as ISO text: the typed inputs take that text, and nothing looser.

The back office edits an offer's horaires as the API's JSON input; JSON has no time type, so
``"09:00:00"`` must be a time there, while a number or a French « 9h » is still refused.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from ror_graph.services.core.errors import BadInputError
from ror_graph.services.core.write import parse
from ror_graph.services.etablissement.inputs import EtablissementUpdate
from ror_graph.services.unite.inputs import UniteUpdate


def test_horaires_sent_as_json_text_become_times_and_dates():
    # given horaires as the back office's JSON editor sends them
    data = {"horaires": [{"jour": 1, "heure_debut": "09:00:00", "heure_fin": "12:30",
                          "date_debut_effective": "2026-07-01", "date_fin_effective": "2026-08-31"}]}
    # when parsed into the typed input
    slot = parse(UniteUpdate, data).horaires[0]
    # then they are real times and dates
    assert (slot.heure_debut, slot.heure_fin) == (time(9), time(12, 30))
    assert (slot.date_debut_effective, slot.date_fin_effective) == (date(2026, 7, 1), date(2026, 8, 31))


@pytest.mark.parametrize("value", [9, "9h", "25:00", True])
def test_a_time_that_is_not_iso_text_is_refused_with_its_field(value):
    with pytest.raises(BadInputError) as refused:
        parse(UniteUpdate, {"horaires": [{"jour": 1, "heure_debut": value, "heure_fin": "12:00"}]})
    assert refused.value.field == "horaires[0].heure_debut"


def test_a_tarif_date_as_text_is_a_date_and_a_bad_one_is_refused():
    tarif = {"type_code": "01", "montant": "12.50", "date_debut": "2026-01-01"}
    assert parse(EtablissementUpdate, {"tarifs": [tarif]}).tarifs[0].date_debut == date(2026, 1, 1)
    with pytest.raises(BadInputError) as refused:
        parse(EtablissementUpdate, {"tarifs": [{**tarif, "date_debut": "01/01/2026"}]})
    assert refused.value.field == "tarifs[0].date_debut"
