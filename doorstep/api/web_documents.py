"""The GraphQL documents the reference apps in `web/` send, read from their source.

A deployment with DOORSTEP_TRUSTED_DOCUMENTS runs only the documents of its manifest, and the
apps send theirs as text: one missing from the manifest is a screen that stops working.
`doorstep check` compares the two, naming the first missing.

The apps have no build step, so their documents are read from the JavaScript itself: every
string or template literal, at any depth, that is a whole GraphQL document once the constants
it interpolates are filled in (`{ ${ME} }`, with `ME` a module constant, imported or not). The
text is the one the browser sends, character for character: the manifest holds hashes of it.
A document the source builds at run time (`mutation { ${field}(...) }`) cannot be listed, so
it is reported instead; the apps keep every document a literal (tests/unit/test_web_documents).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from graphql import GraphQLError, parse

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# what a document starts with: an operation, or the query shorthand's selection set
_DOCUMENT_HEAD = re.compile(r"\s*(query\b|mutation\b|subscription\b|\{)")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_CONST = re.compile(r"^(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*=\s*", re.M)
_IMPORT = re.compile(r"^import\s*\{([^}]*)\}\s*from\s*'([^']+)';", re.M)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
# a slash after one of these (or at the start) opens a regular expression, not a division
_BEFORE_REGEX = set("(,=:[!&|?{};+-*%<>~^")
_KEYWORDS_BEFORE_REGEX = set(
    "return typeof case do else in of yield await void delete throw new instanceof".split()
)


@dataclass(frozen=True)
class WebDocument:
    where: str  # "app/screens/home.js:34"
    text: str


@dataclass
class _Literal:
    start: int
    quote: str
    parts: list[str]  # cooked text between interpolations
    expressions: list[str]  # the interpolations' source, stripped


@dataclass
class _Module:
    path: Path
    source: str
    literals: list[_Literal] = field(default_factory=list)
    constants: dict[str, _Literal] = field(default_factory=dict)
    imports: dict[str, tuple[Path, str]] = field(default_factory=dict)


class _Scanner:
    """Every string and template literal of a module (those inside a template's
    interpolations too), past comments and regular expressions."""

    def __init__(self, source: str) -> None:
        self.s = source
        self.found: list[_Literal] = []

    def code(self, i: int, until_brace: bool = False) -> int:
        """Scan code from `i`; with `until_brace`, up to the `}` that closes an
        interpolation (its index)."""
        s, depth, last = self.s, 0, ""
        while i < len(s):
            c = s[i]
            if c in "'\"`":
                i = self.literal(i)
                last = "a"
                continue
            if s.startswith("//", i):
                i = s.find("\n", i)
                i = len(s) if i < 0 else i
                continue
            if s.startswith("/*", i):
                end = s.find("*/", i + 2)
                i = len(s) if end < 0 else end + 2
                continue
            if c == "/" and (last == "" or last in _BEFORE_REGEX):
                i = self.regex(i)
                last = "a"
                continue
            word = _NAME.match(s, i) if c.isalpha() or c in "_$" else None
            if word:
                # after `return` (typeof, case ...) a slash opens a regular expression
                last = "(" if word.group(0) in _KEYWORDS_BEFORE_REGEX else "a"
                i = word.end()
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                if until_brace and depth == 0:
                    return i
                depth -= 1
            if not c.isspace():
                last = c
            i += 1
        if until_brace:
            raise ValueError("an interpolation that does not end")
        return i

    def regex(self, i: int) -> int:
        s, i, in_class = self.s, i + 1, False
        while i < len(s) and s[i] != "\n":
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "[":
                in_class = True
            elif c == "]":
                in_class = False
            elif c == "/" and not in_class:
                return i + 1
            i += 1
        return i  # not a regular expression after all: a division at the end of a line

    def literal(self, i: int) -> int:
        s, quote = self.s, self.s[i]
        found = _Literal(i, quote, [], [])
        self.found.append(found)
        text: list[str] = []
        i += 1
        while i < len(s):
            c = s[i]
            if c == "\\":
                nxt = s[i + 1]
                if nxt == "\n":
                    pass  # a line continuation adds nothing
                elif nxt in _ESCAPES:
                    text.append(_ESCAPES[nxt])
                elif nxt == "x":
                    text.append(chr(int(s[i + 2 : i + 4], 16)))
                    i += 2
                elif nxt == "u" and s[i + 2] == "{":
                    end = s.index("}", i)
                    text.append(chr(int(s[i + 3 : end], 16)))
                    i = end - 1
                elif nxt == "u":
                    text.append(chr(int(s[i + 2 : i + 6], 16)))
                    i += 4
                else:
                    text.append(nxt)
                i += 2
                continue
            if c == quote:
                found.parts.append("".join(text))
                return i + 1
            if quote == "`" and s.startswith("${", i):
                found.parts.append("".join(text))
                text = []
                end = self.code(i + 2, until_brace=True)
                found.expressions.append(s[i + 2 : end].strip())
                i = end + 1
                continue
            if quote != "`" and c == "\n":
                raise ValueError(f"a string that does not end at {i}")
            text.append(c)
            i += 1
        raise ValueError("a literal that does not end")


def _module(path: Path) -> _Module:
    source = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    module = _Module(path, source)
    scanner = _Scanner(source)
    scanner.code(0)
    module.literals = scanner.found
    by_start = {lit.start: lit for lit in module.literals}
    for match in _CONST.finditer(source):
        literal = by_start.get(match.end())
        if literal is not None:
            module.constants[match.group(1)] = literal
    for match in _IMPORT.finditer(source):
        target = (path.parent / match.group(2)).resolve()
        for item in match.group(1).split(","):
            names = item.split(" as ")
            if item.strip():
                module.imports[names[-1].strip()] = (target, names[0].strip())
    return module


class _Sources:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.modules = {
            p.resolve(): _module(p)
            for p in sorted(self.root.rglob("*.js"))
            if "vendor" not in p.relative_to(self.root).parts
        }

    def value(self, module: _Module, literal: _Literal, seen: frozenset[str] = frozenset()) -> str:
        """The literal's text with its interpolations filled in; ValueError naming one that
        is not a constant."""
        out = [literal.parts[0]]
        for expression, part in zip(literal.expressions, literal.parts[1:], strict=True):
            out.append(self.constant(module, expression, seen))
            out.append(part)
        return "".join(out)

    def constant(self, module: _Module, name: str, seen: frozenset[str]) -> str:
        key = f"{module.path}:{name}"
        if not _NAME.fullmatch(name) or key in seen:
            raise ValueError(name)
        if name in module.constants:
            return self.value(module, module.constants[name], seen | {key})
        if name in module.imports:
            path, exported = module.imports[name]
            if path in self.modules:
                return self.constant(self.modules[path], exported, seen | {key})
        raise ValueError(name)

    def where(self, module: _Module, literal: _Literal) -> str:
        line = module.source.count("\n", 0, literal.start) + 1
        return f"{module.path.relative_to(self.root).as_posix()}:{line}"


def _is_document(text: str) -> bool:
    if not _DOCUMENT_HEAD.match(text):
        return False
    try:
        parse(text)
    except GraphQLError:
        return False
    return True


def web_documents(root: Path = WEB_DIR) -> tuple[list[WebDocument], list[str]]:
    """The apps' documents (each text once, where it is first written), and what could not
    be read: documents built at run time, each named by file and line."""
    sources = _Sources(root)
    documents: dict[str, WebDocument] = {}
    problems: list[str] = []
    for module in sources.modules.values():
        for literal in module.literals:
            try:
                text = sources.value(module, literal)
            except ValueError as exc:
                if _DOCUMENT_HEAD.match(literal.parts[0]):
                    problems.append(
                        f"{sources.where(module, literal)}: a document built at run time "
                        f"(${{{exc}}} is not a constant)"
                    )
                continue
            if text not in documents and _is_document(text):
                documents[text] = WebDocument(sources.where(module, literal), text)
    return list(documents.values()), problems
