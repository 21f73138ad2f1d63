"""The addon's translations stay complete and in sync with its .pot. No Odoo needed.

When `make i18n` regenerates the .pot, these tests fail until every .po has the new msgids
translated (and the removed ones dropped); the failure message lists them.
"""

import os
import pathlib
import re
import shutil
import subprocess
from collections import Counter

import polib
import pytest

I18N = pathlib.Path(__file__).resolve().parents[1] / "storesync_connector" / "i18n"
POT = I18N / "storesync_connector.pot"
PLURAL_FORMS = {
    "hu": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
    "ro": "nplurals=3; plural=(n==1?0:(((n%100>19)||((n%100==0)&&(n!=0)))?2:1));",
}
LANGS = sorted(PLURAL_FORMS)
# What must survive translation unchanged: Python format placeholders and HTML tags.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|<[^>]+>")


def _key(entry):
    return (entry.msgctxt, entry.msgid)


def _label(key):
    msgctxt, msgid = key
    return f"{msgctxt}|{msgid!r}" if msgctxt else repr(msgid)


def _entries(pofile):
    """The live entries (obsolete `#~` ones are ignored by Odoo and by these tests)."""
    return [entry for entry in pofile if not entry.obsolete]


@pytest.fixture(scope="module")
def pot():
    return polib.pofile(str(POT))


@pytest.fixture(scope="module", params=LANGS)
def lang(request):
    return request.param


@pytest.fixture(scope="module")
def po(lang):
    path = I18N / f"{lang}.po"
    assert path.is_file(), f"{path.name} is missing"
    return polib.pofile(str(path))


def test_pot_has_entries(pot):
    assert _entries(pot), "the .pot has no entries"


def test_header(lang, po):
    assert po.metadata.get("Language") == lang
    assert po.metadata.get("Plural-Forms") == PLURAL_FORMS[lang]
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")


def test_msgids_match_pot(pot, lang, po):
    expected = {_key(entry) for entry in _entries(pot)}
    actual = [_key(entry) for entry in _entries(po)]
    duplicated = sorted({key for key in actual if actual.count(key) > 1}, key=str)
    missing = sorted(expected - set(actual), key=str)
    stale = sorted(set(actual) - expected, key=str)
    problems = []
    if missing:
        problems.append("missing from the .po (new in the .pot):")
        problems += [f"  {_label(key)}" for key in missing]
    if stale:
        problems.append("not in the .pot any more:")
        problems += [f"  {_label(key)}" for key in stale]
    if duplicated:
        problems.append("duplicated:")
        problems += [f"  {_label(key)}" for key in duplicated]
    assert not problems, f"{lang}.po is out of sync with the .pot\n" + "\n".join(problems)


def test_everything_translated(lang, po):
    untranslated = [_label(_key(entry)) for entry in po.untranslated_entries()]
    fuzzy = [_label(_key(entry)) for entry in po.fuzzy_entries()]
    assert not untranslated, f"{lang}.po: untranslated: " + ", ".join(untranslated)
    assert not fuzzy, f"{lang}.po: fuzzy: " + ", ".join(fuzzy)


def test_placeholders_preserved(lang, po):
    broken = []
    for entry in _entries(po):
        if entry.msgid_plural:
            pairs = [
                (entry.msgid if int(index) == 0 else entry.msgid_plural, msgstr)
                for index, msgstr in sorted(entry.msgstr_plural.items(), key=str)
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translation in pairs:
            if not translation:
                continue  # reported by test_everything_translated
            want = Counter(PLACEHOLDER.findall(source))
            got = Counter(PLACEHOLDER.findall(translation))
            if want != got:
                broken.append(
                    f"  {_label(_key(entry))}: expected {sorted(want.elements())}, "
                    f"got {sorted(got.elements())}"
                )
    assert not broken, f"{lang}.po: placeholders or tags differ:\n" + "\n".join(broken)


def test_msgfmt_accepts(po):
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.skip("msgfmt (gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check-format", "--check-header", "-o", os.devnull, po.fpath],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
