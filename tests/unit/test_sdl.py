"""The committed SDL is the API contract: it must match what the code builds."""

from doorstep.graphql.schema import SDL_PATH, sdl


def test_committed_sdl_matches_code() -> None:
    assert SDL_PATH.read_text() == sdl(), (
        "doorstep/graphql/schema.graphql is out of date: run `doorstep schema` and commit it"
    )
