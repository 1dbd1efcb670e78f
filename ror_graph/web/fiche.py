"""``/etablissement/{finess}``: the public fiche, and its « Signaler une information erronée ou manquante » form.

The form posts to ``/etablissement/{finess}/signaler``; a report goes through ``services.signalement``
(the same intake as GraphQL ``signalerErreur``) and opens an anomaly in support's one queue;
the page answers with a 303 back to the fiche (Post/Redirect/Get).
Bad input is answered with the fiche and the message (400); too many reports from one address with
429 and ``Retry-After``; a filled honeypot like a success.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.models.signalement import SIGNALEMENT_MAX_LENGTH
from ror_graph.resolvers.search import search_reference
from ror_graph.services.core.errors import BadInputError, NotFoundError
from ror_graph.services.signalement.queue import SignalementInput, TooManySignalementsError, submit_signalement
from ror_graph.state import AppState
from ror_graph.web.fiche_data import load_fiche
from ror_graph.web.templating import render

MAX_FORM_BYTES = 16_384


async def _page(request: Request, finess: str, status: int = 200, **extra: object) -> Response:
    state: AppState = request.app.state.ror
    ref = await search_reference(state)
    async with state.sessions() as session:
        fiche = await load_fiche(session, finess, ref) if finess.isalnum() and len(finess) == 9 else None
    if fiche is None:
        return render(request, "introuvable.html", {"finess": finess}, 404)
    sent = request.query_params.get("signalement") == "merci"
    return render(request, "fiche.html", {**fiche, "sent": sent, "form": {}, "max_length": SIGNALEMENT_MAX_LENGTH,
                                          **extra}, status)


async def fiche(request: Request) -> Response:
    return await _page(request, request.path_params["finess"])


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "inconnue"


async def signaler(request: Request) -> Response:
    finess = request.path_params["finess"]
    state: AppState = request.app.state.ror
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return await _page(request, finess, 413, form_error="Message trop long.")
    form = await request.form()
    data = SignalementInput(finess=finess, message=str(form.get("message") or ""),
                            email=str(form.get("email") or "") or None, unite=str(form.get("unite") or "") or None,
                            honeypot=str(form.get("site_web") or "") or None)
    values = {"message": data.message, "email": data.email or "", "unite": data.unite or ""}
    try:
        async with state.sessions() as session:
            await submit_signalement(session, data, address=_client_address(request), salt=state.settings.secret_key)
    except NotFoundError:
        return render(request, "introuvable.html", {"finess": finess}, 404)
    except BadInputError as exc:
        return await _page(request, finess, 400, form=values, form_error=exc.message)
    except TooManySignalementsError as exc:
        response = await _page(request, finess, 429, form=values, form_error=exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return RedirectResponse(f"/etablissement/{finess}?signalement=merci#signaler", status_code=303)
