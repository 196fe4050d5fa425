"""The web apps' GraphQL documents are read from their source, exactly as the browser sends
them, so `doorstep check` can tell a trusted-documents manifest that lacks one. Every document
of the apps can be read (none is put together at run time) and this release's schema runs it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from graphql import parse, specified_rules, validate

from doorstep.api.web_documents import web_documents
from doorstep.graphql.schema import build_schema


def test_every_document_of_the_apps_is_read_and_the_schema_runs_it() -> None:
    documents, unreadable = web_documents()
    assert unreadable == []
    where = {d.where.split("/")[0] for d in documents}
    assert where == {"app", "counter", "shared"}, where
    texts = {d.text for d in documents}
    assert "{ pushPublicKey }" in texts
    assert any(t.startswith("subscription") for t in texts)  # the live socket's too
    schema = build_schema(introspection=False)
    rules = (*specified_rules, *schema.validation_rules)
    for document in documents:
        errors = validate(schema._schema, parse(document.text), rules)
        assert errors == [], (document.where, errors[0].message)


def _write(root: Path, name: str, source: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")


def test_documents_are_read_as_the_browser_sends_them(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "core/api.js",
        """
        // a comment with a ` and a ' in it
        export const ME_FIELDS = 'role language';
        export const ME = `me { ${ME_FIELDS} }`;
        """,
    )
    _write(
        tmp_path,
        "screens/home.js",
        r"""
        import { ME as WHO, gql } from '../core/api.js';
        const quoted = /["'`]/.test(x) ? a / 2 : 0;
        function f() { return /[",\r\n]/.test(text) ? `"${text}"` : text; }
        const HOME = `{ ${WHO}
          myApplications { number } }`;
        export function Home() {
          return html`<p onClick=${() => gql('mutation { logout }')}>${t(`x.${y}`)}</p>`;
        }
        gql(HOME);
        gql("{ catalog { name(lang: \"zh\") } }");
        const style = '{ color: red; }';  // not a document
        gql(`mutation { ${field}(id: 1) }`);
        """,
    )
    _write(tmp_path, "vendor/lib.js", "gql('{ vendored }');\n")
    documents, unreadable = web_documents(tmp_path)
    texts = {d.text: d.where for d in documents}
    assert texts == {
        "{ me { role language }\n  myApplications { number } }": "screens/home.js:4",
        "mutation { logout }": "screens/home.js:7",
        '{ catalog { name(lang: "zh") } }': "screens/home.js:10",
    }
    assert unreadable == [
        "screens/home.js:12: a document built at run time (${field} is not a constant)"
    ]
