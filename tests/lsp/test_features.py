"""The language features of `ecsc lsp` end to end through pytest-lsp: hover,
completion, definition, references, document symbols, rename, quick fixes
and formatting, each asserted at a position in a spec and against what the
compiler (or `ecsc fmt`) then says of the edited text."""
import subprocess

import pytest
from lsprotocol import types

from conftest import ECSC, ROOT
from test_lsp import diagnostics_of, open_doc

SPEC = """\
param tag: string = "1.27"

cluster main {
  capacity FARGATE { weight = 1 }
}

role tasks {
  assumed_by = ["ecs-tasks.amazonaws.com"]
}

log_group app-logs {
  retention = 30d
}

service web in main {
  cpu       = 0.5 vcpu
  memory    = 1 GiB
  task_role = tasks

  container app {
    image = "nginx:${tag}"
    port http { container_port = 80 }
    health_check {
      command  = ["CMD", "true"]
      interval = 30s
    }
  }
  container sidecar {
    image = "busybox:1.36"
    essential = false
  }
  load_balancer {
    target_group = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef"
    container    = app.http
  }
  network { subnets = ["subnet-0a1b2c3d"] }
}

service api in main {
  cpu       = 256
  memory    = 512 MiB
  task_role = tasks
  container api {
    image = "nginx:1.27"
  }
  network { subnets = ["subnet-0a1b2c3d"] }
}
"""


def pos(text, needle, nth=0, offset=0):
    """The LSP position (UTF-16) of the nth occurrence of needle, plus offset."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += offset
    line = text.count("\n", 0, at)
    col = at - (text.rfind("\n", 0, at) + 1)
    return types.Position(line=line, character=len(text.splitlines()[line][:col].encode("utf-16-le")) // 2)


def td(uri):
    return types.TextDocumentIdentifier(uri=uri)


async def hover_at(client, uri, text, needle, offset=0):
    """The hover's Markdown at needle (plus offset) in text."""
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td(uri), position=pos(text, needle, offset=offset)))
    return h.contents.value


async def definition_at(client, uri, text, needle, offset=0):
    d = await client.text_document_definition_async(types.DefinitionParams(
        text_document=td(uri), position=pos(text, needle, offset=offset)))
    return d if isinstance(d, types.Location) else d[0]


async def references_at(client, uri, text, needle, offset=0, with_decl=True):
    return await client.text_document_references_async(types.ReferenceParams(
        text_document=td(uri), position=pos(text, needle, offset=offset),
        context=types.ReferenceContext(include_declaration=with_decl)))


async def opened(client, tmp_path, text=SPEC, name="spec.ecs"):
    uri = open_doc(client, tmp_path / name, text)
    await diagnostics_of(client, uri)
    return uri


def apply_edits(text, edits):
    """Applies TextEdits (non-overlapping) to text."""
    lines = text.splitlines(keepends=True)

    def offset(p):
        return sum(len(l) for l in lines[:p.line]) + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        a, b = offset(e.range.start), offset(e.range.end)
        text = text[:a] + e.new_text + text[b:]
        lines = text.splitlines(keepends=True)
    return text


# ---- diagnostics ---------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_diagnostic_code_hint_and_related_information(client, tmp_path):
    text = SPEC.replace("container    = app.http", "container    = app.https")
    text = text.replace("    port http { container_port = 80 }",
                        "    port http { container_port = 80 }\n    port http { container_port = 81 }")
    uri = open_doc(client, tmp_path / "d.ecs", text)
    diags = await diagnostics_of(client, uri)
    codes = sorted(d.code for d in diags)
    assert "E0010" in codes and "E0011" in codes, diags
    unknown = next(d for d in diags if d.code == "E0011")
    assert unknown.data == {"hint": "did you mean `http`?"}
    assert unknown.message.endswith("hint: did you mean `http`?")
    dup = next(d for d in diags if d.code == "E0010")
    # The first `port http` is related information with its own place.
    assert dup.related_information, dup
    rel = dup.related_information[0].location
    assert rel.uri == uri
    assert rel.range.start.line == pos(text, "port http").line


# ---- hover ---------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_hover_field_from_the_schema(client, tmp_path):
    uri = await opened(client, tmp_path)
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td(uri), position=pos(SPEC, "interval", offset=2)))
    v = h.contents.value
    assert v.startswith("**interval**: duration"), v
    assert "unit: `ms`, `s`, `m`, `h` or `d`; AWS receives seconds" in v
    assert "allowed: 5s to 5m" in v       # the API's 5 to 300 seconds
    assert "default: `30s`" in v
    assert "API member `interval`; CloudFormation `Interval`" in v
    assert h.range.start == pos(SPEC, "interval")
    # An enum's values, a default, required.
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td(uri), position=pos(SPEC, "essential")))
    assert "**essential**: bool" in h.contents.value
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td(uri), position=pos(SPEC, "retention")))
    assert "AWS receives whole days" in h.contents.value
    # A field the runtime reads, no API member: said so, not "derived".
    text = SPEC.replace("  task_role = tasks\n\n", "  task_role = tasks\n  force_delete = true\n\n", 1)
    uri = await opened(client, tmp_path, text, "runtime.ecs")
    v = await hover_at(client, uri, text, "force_delete", 2)
    assert "`ecsc apply` or `ecsc destroy` reads it" in v and "derives" not in v, v


@pytest.mark.asyncio
async def test_hover_enum_values_and_block(client, tmp_path):
    text = SPEC.replace("    port http { container_port = 80 }",
                        "    port http {\n      container_port = 80\n      protocol = tcp\n    }")
    uri = await opened(client, tmp_path, text)
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td(uri), position=pos(text, "protocol")))
    assert "allowed: `tcp`, `udp`" in h.contents.value, h.contents.value
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td(uri), position=pos(text, "health_check")))
    v = h.contents.value
    assert v.startswith("**health_check** block in `container`"), v
    assert "`interval`" in v and "`retries`" in v


@pytest.mark.asyncio
async def test_hover_reference_shows_its_declaration(client, tmp_path):
    uri = await opened(client, tmp_path)
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td(uri), position=pos(SPEC, "= tasks", offset=3)))
    v = h.contents.value
    assert "role tasks {" in v and "declared at spec.ecs:7:1" in v, v
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td(uri), position=pos(SPEC, "app.http", offset=5)))
    assert "port http {" in h.contents.value
    assert "in `container app` in `service web`" in h.contents.value
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td(uri), position=pos(SPEC, "${tag}", offset=3)))
    assert 'param tag: string = "1.27"' in h.contents.value


# ---- completion ----------------------------------------------------------------------------

async def complete(client, uri, text, position):
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=9),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    r = await client.text_document_completion_async(types.CompletionParams(
        text_document=td(uri), position=position))
    items = r if isinstance(r, list) else r.items
    return {i.label: i for i in items}


@pytest.mark.asyncio
async def test_complete_fields_and_blocks_of_the_block(client, tmp_path):
    uri = await opened(client, tmp_path)
    text = SPEC.replace("    essential = false\n", "    essential = false\n    h\n")
    items = await complete(client, uri, text, pos(text, "    h\n", offset=5))
    assert {"health_check", "hostname"} <= set(items), set(items)
    assert all(k.startswith("h") for k in items) and "health_check_grace_period" not in items
    assert items["hostname"].text_edit.new_text == "hostname = "
    # An empty line at the top: the declaration kinds and the top words.
    text = SPEC + "\n\n"
    items = await complete(client, uri, text, types.Position(line=len(SPEC.splitlines()) + 1, character=0))
    assert {"cluster", "service", "express_service", "task", "role", "policy", "log_group", "param"} <= set(items)
    assert "container" not in items
    # In a service, a service's fields and blocks and not a cluster's.
    text = SPEC.replace("  task_role = tasks\n\n", "  task_role = tasks\n  \n", 1)
    items = await complete(client, uri, text, pos(text, "tasks\n  \n", offset=8))
    assert {"desired_count", "container", "load_balancer", "autoscaling"} <= set(items)
    assert "capacity_providers" not in items and "container_insights" not in items


@pytest.mark.asyncio
async def test_complete_enum_values_and_declared_names(client, tmp_path):
    uri = await opened(client, tmp_path)
    text = SPEC.replace("    essential = false\n", "    essential = false\n    logging { driver = \n    }\n")
    items = await complete(client, uri, text, pos(text, "driver = ", offset=9))
    assert {"awslogs", "awsfirelens", "splunk"} <= set(items), set(items)
    text = SPEC.replace("  task_role = tasks\n\n", "  task_role = tasks\n  execution_role = \n", 1)
    items = await complete(client, uri, text, pos(text, "execution_role = ", offset=17))
    assert "tasks" in items and items["tasks"].detail == "role"
    # Ports as container.port, for a dotted name being typed.
    text = SPEC.replace("container    = app.http", "container    = app.h")
    items = await complete(client, uri, text, pos(text, "app.h", offset=5))
    assert set(items) == {"app.http"}, set(items)
    edit = items["app.http"].text_edit
    assert edit.new_text == "app.http" and edit.range.start == pos(text, "app.h")
    # `service NAME in ` takes a cluster; `capacity ` in a service a provider.
    text = SPEC + "\nservice more in \n"
    items = await complete(client, uri, text, pos(text, "more in ", offset=8))
    assert set(items) == {"main"}
    # Declarations after the line being typed, which its syntax error hides
    # from the analysis, are offered too (read from the text).
    text = "service more in \n\n" + SPEC
    items = await complete(client, uri, text, pos(text, "more in ", offset=8))
    assert set(items) == {"main"}, set(items)
    text = SPEC.replace("cluster main {", "service more in main {\n  task_role = \n}\n\ncluster main {")
    items = await complete(client, uri, text, pos(text, "task_role = \n", offset=12))
    assert "tasks" in items and items["tasks"].detail == "role", set(items)
    # Not a name in a comment or a string.
    text = SPEC.replace("cluster main {", '# cluster commented {}\nparam s: string = "\ncluster quoted {"\n'
                        "service more in \n\ncluster main {")
    items = await complete(client, uri, text, pos(text, "more in ", offset=8))
    assert set(items) == {"main"}, set(items)
    text = SPEC.replace("  task_role = tasks\n\n", "  task_role = tasks\n  capacity \n", 1)
    items = await complete(client, uri, text, pos(text, "  capacity \n", offset=11))
    assert set(items) == {"FARGATE"}
    # Containers of this service only.
    text = SPEC.replace("container    = app.http", "container    = app.http\n  }\n  proxy {\n    container = \n")
    items = await complete(client, uri, text, pos(text, "    container = \n", offset=16))
    assert {"app", "sidecar"} <= set(items) and "api" not in items, set(items)


@pytest.mark.asyncio
async def test_complete_units_after_numbers(client, tmp_path):
    uri = await opened(client, tmp_path)
    text = SPEC.replace("interval = 30s", "interval = 30")
    items = await complete(client, uri, text, pos(text, "interval = 30", offset=13))
    assert set(items) == {"30ms", "30s", "30m", "30h", "30d"}, set(items)
    assert items["30s"].text_edit.range.start == pos(text, "30\n")
    text = SPEC.replace("memory    = 1 GiB", "memory    = 1 G")
    items = await complete(client, uri, text, pos(text, "= 1 G", offset=5))
    assert set(items) == {"1 GiB"}, set(items)
    # Nothing inside strings or comments.
    text = SPEC.replace('image = "busybox:1.36"', 'image = "busybox:1.36" # 30')
    items = await complete(client, uri, text, pos(text, "# 30", offset=4))
    assert items == {}


# ---- definition, references, rename, symbols -----------------------------------------------

@pytest.mark.asyncio
async def test_definition_and_references(client, tmp_path):
    uri = await opened(client, tmp_path)
    loc = await definition_at(client, uri, SPEC, "in main", 4)
    assert loc.uri == uri and loc.range.start == pos(SPEC, "main {")
    loc = await definition_at(client, uri, SPEC, "app.http", 6)
    assert loc.range.start == pos(SPEC, "http {")
    refs = await references_at(client, uri, SPEC, "role tasks", 6)
    starts = sorted((r.range.start.line, r.range.start.character) for r in refs)
    want = sorted((p.line, p.character) for p in
                  [pos(SPEC, "tasks {"), pos(SPEC, "= tasks", offset=2),
                   pos(SPEC, "= tasks", nth=1, offset=2)])
    assert starts == want
    refs = await references_at(client, uri, SPEC, "role tasks", 6, with_decl=False)
    assert len(refs) == 2


@pytest.mark.asyncio
async def test_rename_declaration_and_uses(client, tmp_path):
    uri = await opened(client, tmp_path)
    prep = await client.text_document_prepare_rename_async(types.PrepareRenameParams(
        text_document=td(uri), position=pos(SPEC, "container app", offset=11)))
    assert prep.placeholder == "app"
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=td(uri), position=pos(SPEC, "container app", offset=11), new_name="frontend"))
    new = apply_edits(SPEC, edit.changes[uri])
    assert "container frontend {" in new and "container    = frontend.http" in new
    assert "container api" in new       # another service's container is not it
    # The renamed spec is as clean as before.
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)]))
    assert list(await diagnostics_of(client, uri)) == []
    # A parameter, in an interpolation.
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=td(uri), position=pos(new, "param tag", offset=6), new_name="version"))
    newer = apply_edits(new, edit.changes[uri])
    assert "param version: string" in newer and "nginx:${version}" in newer
    # Not a name.
    with pytest.raises(Exception):
        await client.text_document_rename_async(types.RenameParams(
            text_document=td(uri), position=pos(new, "role tasks", offset=6), new_name="9 x"))


@pytest.mark.asyncio
async def test_document_symbols(client, tmp_path):
    uri = await opened(client, tmp_path)
    syms = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=td(uri)))
    assert [(s.name, s.detail) for s in syms] == [
        ("tag", "param"), ("main", "cluster"), ("tasks", "role"), ("app-logs", "log_group"),
        ("web", "service"), ("api", "service")]
    web = syms[4]
    assert web.kind == types.SymbolKind.Class
    assert [(c.name, c.detail) for c in web.children] == [("app", "container"), ("sidecar", "container")]
    assert [c.name for c in web.children[0].children] == ["http"]
    assert web.selection_range.start == pos(SPEC, "web in")
    assert web.range.start == pos(SPEC, "service web")


# ---- quick fixes -----------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_code_actions_apply_the_hint(client, tmp_path):
    text = (SPEC.replace("container    = app.http", "container    = app.htp")
            .replace("interval = 30s", "interval = 30")
            .replace("task_role = tasks\n\n", "task_role = taks\n\n", 1))
    uri = open_doc(client, tmp_path / "fix.ecs", text)
    diags = await diagnostics_of(client, uri)
    assert len(diags) == 3, diags
    fixed = text
    for d in diags:
        acts = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=td(uri), range=d.range,
            context=types.CodeActionContext(diagnostics=[d])))
        assert len(acts) == 1, (d, acts)
        assert acts[0].kind == types.CodeActionKind.QuickFix
        fixed = apply_edits(fixed, acts[0].edit.changes[uri])
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=5),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    assert fixed == SPEC
    client.diagnostics.pop(uri, None)
    assert list(await diagnostics_of(client, uri)) == []
    # No action where the hint names no fix.
    text = SPEC.replace("  cpu       = 0.5 vcpu\n", "", 1)
    uri = open_doc(client, tmp_path / "nofix.ecs", text)
    diags = await diagnostics_of(client, uri)
    acts = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=td(uri), range=diags[0].range,
        context=types.CodeActionContext(diagnostics=list(diags))))
    assert not acts


@pytest.mark.asyncio
@pytest.mark.parametrize("old,typed,fixed", [
    # syntax: `=` for a colon or a space, a unit written apart, `//`
    ("  memory    = 1 GiB", "  memory: 1 GiB", "  memory = 1 GiB"),
    ("  memory    = 1 GiB", "  memory 1 GiB", "  memory = 1 GiB"),
    ("interval = 30s", "interval = 30 s", "interval = 30s"),
    ("essential = false", "essential = false // not needed", "essential = false # not needed"),
    # the API's name for a field; Terraform's `var.` before a parameter
    ("  task_role = tasks\n\n", "  task_role_arn = tasks\n\n", "  task_role = tasks\n\n"),
    ('image = "nginx:${tag}"', 'image = "nginx:${var.tag}"', 'image = "nginx:${tag}"'),
    ("      interval = 30s\n", "      interval = 30s\n    }\n    logging {\n      options = "
     '{ "awslogs-datetime-fromat" = "%Y" }\n',
     "      interval = 30s\n    }\n    logging {\n      options = "
     '{ "awslogs-datetime-format" = "%Y" }\n'),
    # no fix the compiler does not stand behind: 1.5 is not 1s; no parameter `nope`
    ("interval = 30s", "interval = 1.5", None),
    ('image = "nginx:${tag}"', 'image = "nginx:${var.nope}"', None),
])
async def test_code_actions_are_the_compilers_fixes(client, tmp_path, old, typed, fixed):
    """A quick fix is the edit the compiler attaches to a diagnostic (the
    `fixes` of --diagnostics=json), applied it clears the diagnostic; a hint
    that needs a person gets none."""
    text = SPEC.replace(old, typed, 1)
    assert text != SPEC
    uri = open_doc(client, tmp_path / "fix.ecs", text)
    diags = await diagnostics_of(client, uri)
    assert len(diags) == 1, diags
    acts = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=td(uri), range=diags[0].range,
        context=types.CodeActionContext(diagnostics=list(diags))))
    if fixed is None:
        assert not acts, acts
        return
    assert len(acts) == 1 and acts[0].kind == types.CodeActionKind.QuickFix, acts
    new = apply_edits(text, acts[0].edit.changes[uri])
    assert new == SPEC.replace(old, fixed, 1), (acts[0].title, new)
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)]))
    assert list(await diagnostics_of(client, uri)) == []


# ---- formatting --------------------------------------------------------------------------------

def apply_utf16(text, edits):
    """Applies TextEdits whose positions count UTF-16 code units."""
    def offset(t, p):
        lines = t.splitlines(keepends=True)
        before = sum(len(l) for l in lines[:p.line])
        line = lines[p.line] if p.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= p.character:
                return before + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return before + len(line)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = offset(text, e.range.start), offset(text, e.range.end)
        text = text[:a] + e.new_text + text[b:]
    return text


def fmt_cli(text):
    r = subprocess.run([ECSC, "fmt", "-"], input=text.encode(), capture_output=True, check=True)
    return r.stdout.decode()


async def format_doc(client, uri):
    return await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=td(uri), options=types.FormattingOptions(tab_size=8, insert_spaces=False)))


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["comments", "layout", "width"])
async def test_formatting_is_ecsc_fmt(client, tmp_path, name):
    """The fmt goldens formatted through the server: the edits turn each
    messy spec into its canonical layout, whatever the client's options;
    the canonical text then gets no edit at all."""
    messy = (ROOT / "tests/fmt" / (name + ".in.ecs")).read_text()
    canonical = (ROOT / "tests/fmt" / (name + ".out.ecs")).read_text()
    assert messy != canonical
    uri = open_doc(client, tmp_path / (name + ".ecs"), messy)
    edits = await format_doc(client, uri)
    assert edits and len(edits) == 1
    assert apply_utf16(messy, edits) == canonical
    uri = open_doc(client, tmp_path / (name + "-done.ecs"), canonical)
    assert list(await format_doc(client, uri)) == []


@pytest.mark.asyncio
async def test_formatting_edits_the_changed_part_in_utf16(client, tmp_path):
    """One edit covering only what changes, placed in UTF-16 units after
    characters outside the Basic Multilingual Plane; text the user typed
    (and has not saved) is what is formatted."""
    text = fmt_cli("# caf\u00e9 \U0001F680 rocket\n" + SPEC)
    uri = open_doc(client, tmp_path / "u.ecs", text)
    typed = text.replace("  memory    = 1 GiB\n", "  memory=1 GiB\n", 1)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=typed)]))
    edits = await format_doc(client, uri)
    assert len(edits) == 1
    assert edits[0].range.start.line >= 2, edits          # the comment line is not rewritten
    assert apply_utf16(typed, edits) == fmt_cli(typed) == text
    typed = 'param tag: string = "\U0001F680"   \ncluster main { capacity FARGATE { weight = 1 } }\n'
    uri = open_doc(client, tmp_path / "v.ecs", typed)
    edits = await format_doc(client, uri)
    assert apply_utf16(typed, edits) == fmt_cli(typed)
    # The spaces after the string go: the edit starts after 23 characters, 24 UTF-16 units.
    assert edits[0].range.start == types.Position(line=0, character=24)


@pytest.mark.asyncio
async def test_formatting_refuses_syntax_errors(client, tmp_path):
    text = SPEC.replace("memory    = 1 GiB", "memory 1 GiB", 1)
    uri = open_doc(client, tmp_path / "bad.ecs", text)
    diags = await diagnostics_of(client, uri)
    assert any(d.code == "E0001" for d in diags)
    with pytest.raises(Exception) as err:
        await format_doc(client, uri)
    assert "not formatted" in str(err.value)
    line = next(d.range.start.line for d in diags if d.code == "E0001")
    assert f"{line + 1}:" in str(err.value)


# ---- express_service: every feature as for a service ---------------------------------------

EXPRESS = (ROOT / "samples" / "express.ecs").read_text().replace(
    'param tag: string = "1.27"\n',
    'param tag: string = "1.27"\n\nrole exec {\n  name       = "express-exec"\n  assumed_by = ["ecs-tasks.amazonaws.com"]\n}\n\n'
    'log_group api-logs {\n  retention = 30d\n}\n')


@pytest.mark.asyncio
async def test_express_service_outline_hover_and_names(client, tmp_path):
    text = EXPRESS
    uri = open_doc(client, tmp_path / "express.ecs", text)
    assert list(await diagnostics_of(client, uri)) == []
    syms = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=td(uri)))
    assert [(s.name, s.detail) for s in syms] == [
        ("tag", "param"), ("exec", "role"), ("api-logs", "log_group"),
        ("ex-express", "cluster"), ("ex-express-api", "express_service")]
    api = syms[-1]
    assert api.kind == types.SymbolKind.Class       # as a service's
    assert api.selection_range.start == pos(text, "ex-express-api")
    assert api.range.start == pos(text, "express_service ex-express-api")
    # The rules of its unnamed security_group are in the outline.
    assert [(c.name, c.detail) for c in api.children] == [("http", "ingress"), ("all", "egress")]
    # Hover: the declaration kind, a field, a block, the cluster it is in, its name.
    v = await hover_at(client, uri, text, "express_service ex", 3)
    assert v.startswith("**express_service** block"), v
    assert "`health_check_path`" in v and "`primary_container`" in v
    h = await hover_at(client, uri, text, "health_check_path", 3)
    assert "API member `healthCheckPath`" in h, h
    h = await hover_at(client, uri, text, "  memory ", 3)
    assert h.startswith("**memory**: size") and "MiB" in h
    h = await hover_at(client, uri, text, "primary_container", 3)
    assert h.startswith("**primary_container** block in `express_service`")
    h = await hover_at(client, uri, text, "in ex-express {", 5)
    assert "cluster ex-express {" in h
    h = await hover_at(client, uri, text, "ex-express-api", 3)
    assert "express_service ex-express-api in ex-express {" in h
    # Definition of the cluster it is in; references of and rename of its name.
    loc = await definition_at(client, uri, text, "in ex-express {", 5)
    assert loc.range.start == pos(text, "ex-express {")
    refs = await references_at(client, uri, text, "ex-express-api", 3)
    assert [r.range.start for r in refs] == [pos(text, "ex-express-api")]
    prep = await client.text_document_prepare_rename_async(types.PrepareRenameParams(
        text_document=td(uri), position=pos(text, "ex-express-api", offset=3)))
    assert prep.placeholder == "ex-express-api"
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=td(uri), position=pos(text, "ex-express-api", offset=3), new_name="front"))
    assert apply_edits(text, edit.changes[uri]) == text.replace(
        "express_service ex-express-api", "express_service front")
    # Renaming the cluster renames the `in` of the Express service.
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=td(uri), position=pos(text, "cluster ex-express", offset=9),
        new_name="edge"))
    new = apply_edits(text, edit.changes[uri])
    assert "cluster edge {" in new and "express_service ex-express-api in edge {" in new
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)]))
    assert list(await diagnostics_of(client, uri)) == []


@pytest.mark.asyncio
async def test_express_service_completion(client, tmp_path):
    uri = await opened(client, tmp_path, EXPRESS, "express.ecs")
    # The declaration kind at the top level.
    text = EXPRESS + "\nex\n"
    items = await complete(client, uri, text, pos(text, "\nex\n", offset=3))
    assert set(items) == {"express_service"}, set(items)
    # Its own fields and blocks, not a service's.
    text = EXPRESS.replace('  health_check_path = "/health"\n',
                           '  health_check_path = "/health"\n  \n')
    items = await complete(client, uri, text, pos(text, '"/health"\n  \n', offset=12))
    assert {"health_check_path", "infrastructure_role", "execution_role", "primary_container",
            "scaling", "network", "security_group", "log_group"} <= set(items), set(items)
    assert "desired_count" not in items and "container" not in items
    # Its primary container's.
    text = EXPRESS.replace("    port        = 8080\n", "    port        = 8080\n    \n")
    items = await complete(client, uri, text, pos(text, "8080\n    \n", offset=9))
    assert {"image", "command", "secrets", "logging"} <= set(items), set(items)
    assert "essential" not in items
    # Declared names: its roles, its log group, the cluster it goes in.
    text = EXPRESS.replace('  health_check_path = "/health"\n',
                           '  health_check_path = "/health"\n  execution_role = \n')
    items = await complete(client, uri, text, pos(text, "execution_role = ", offset=17))
    assert "exec" in items and items["exec"].detail == "role" and "api-logs" not in items
    text = EXPRESS.replace('      stream_prefix = "api"\n',
                           '      stream_prefix = "api"\n      group = \n')
    items = await complete(client, uri, text, pos(text, "group = ", offset=8))
    assert "api-logs" in items and items["api-logs"].detail == "log_group", set(items)
    text = EXPRESS + "\nexpress_service more in \n"
    items = await complete(client, uri, text, pos(text, "more in ", offset=8))
    assert set(items) == {"ex-express"}, set(items)
    # Enum values and units.
    text = EXPRESS.replace("metric = cpu", "metric = ")
    items = await complete(client, uri, text, pos(text, "metric = ", offset=9))
    assert {"cpu", "memory", "requests"} <= set(items), set(items)
    text = EXPRESS.replace("0.5 vcpu", "0.5 ")
    items = await complete(client, uri, text, pos(text, "= 0.5 ", offset=6))
    assert set(items) == {"0.5 vcpu"}, set(items)


# ---- a workspace folder is one unit ----------------------------------------------------------

SHARED = """\
cluster main {
  capacity FARGATE { weight = 1 }
}

role tasks {
  assumed_by = ["ecs-tasks.amazonaws.com"]
}
"""

# SPEC's last service, in a file of its own.
WEB = SPEC[SPEC.index("service api"):].replace("service api", "service web")


@pytest.mark.asyncio
async def test_workspace_folder_is_one_unit(client, tmp_path):
    """The *.ecs files directly in a workspace folder are compiled together,
    as `ecsc check DIR` compiles them: names resolve across files (those on
    disk and the open buffers, saved or not), definitions, references and
    renames cross files, and a file that is not open gets its diagnostics,
    with related information in the other file."""
    shared = tmp_path / "b.ecs"
    shared.write_text(SHARED)
    buri = shared.as_uri()
    uri = open_doc(client, tmp_path / "a.ecs", WEB)
    assert list(await diagnostics_of(client, uri)) == []     # `main`, `tasks` are in b.ecs
    loc = await definition_at(client, uri, WEB, "in main", 4)
    assert loc.uri == buri and loc.range.start == pos(SHARED, "main {")
    h = await hover_at(client, uri, WEB, "= tasks", 3)
    assert "role tasks {" in h and "declared at b.ecs:5:1" in h
    refs = await references_at(client, uri, WEB, "= tasks", 3)
    assert sorted((r.uri, r.range.start.line) for r in refs) == sorted(
        [(buri, pos(SHARED, "tasks {").line), (uri, pos(WEB, "= tasks").line)])
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=td(uri), position=pos(WEB, "in main", offset=4), new_name="prod"))
    assert set(edit.changes) == {uri, buri}
    assert "cluster prod {" in apply_edits(SHARED, edit.changes[buri])
    assert "service web in prod {" in apply_edits(WEB, edit.changes[uri])
    # A second `cluster main` in a.ecs: b.ecs (not open) has the duplicate,
    # the first declaration in a.ecs is its related information.
    client.diagnostics.pop(buri, None)
    typed = "cluster main {\n}\n\n" + WEB
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=typed)]))
    diags = await diagnostics_of(client, buri)
    assert [x.code for x in diags] == ["E0010"], diags
    rel = diags[0].related_information[0].location
    assert rel.uri == uri and rel.range.start == pos(typed, "main {")
    # Back; then b.ecs opened and changed without saving: a.ecs sees the buffer.
    client.diagnostics.pop(buri, None)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=WEB)]))
    assert list(await diagnostics_of(client, buri)) == []
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=buri, language_id="ecs", version=1, text=SHARED.replace("cluster main", "cluster other"))))
    diags = await diagnostics_of(client, uri)
    assert [(x.code, "`main`" in x.message) for x in diags] == [("E0011", True)], diags
    # Closed unsaved, the disk's text stands again.
    client.diagnostics.pop(uri, None)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=td(buri)))
    assert list(await diagnostics_of(client, uri)) == []
    # b.ecs changed on disk by another program: the client's file event has
    # it read again; a new file in the folder joins the unit.
    client.diagnostics.pop(uri, None)
    shared.write_text(SHARED.replace("role tasks", "role workers"))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=buri, type=types.FileChangeType.Changed)]))
    diags = await diagnostics_of(client, uri, timeout=20)
    assert [(x.code, "`tasks`" in x.message) for x in diags] == [("E0011", True)], diags
    client.diagnostics.pop(uri, None)
    (tmp_path / "c.ecs").write_text('role tasks {\n  assumed_by = ["ecs-tasks.amazonaws.com"]\n}\n')
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(tmp_path / "c.ecs").as_uri(), type=types.FileChangeType.Created)]))
    assert list(await diagnostics_of(client, uri, timeout=20)) == []
