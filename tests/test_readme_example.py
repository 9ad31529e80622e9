"""README.md's example output is what the bundled models print for examples/article.txt
(regenerate with ``quotes-dev readme-example``); real models, about 10 s."""

from __future__ import annotations

from devtools import cli, readme_example


def test_readme_example_output_is_current(capsys):
    assert cli.main(["readme-example", "--check"]) == 0, capsys.readouterr().err


def test_check_fails_on_a_stale_block(monkeypatch, tmp_path, capsys):
    current = readme_example.README.read_text(encoding="utf-8")
    block = current[current.index(readme_example.START) + len(readme_example.START) + 1:
                    current.index(readme_example.END)]
    readme = tmp_path / "README.md"
    readme.write_text(current.replace("confidence 0.", "confidence 1.", 1), encoding="utf-8")
    monkeypatch.setattr(readme_example, "README", readme)
    monkeypatch.setattr(readme_example, "render", lambda: block)  # no models needed here
    assert readme_example.main(["--check"]) == 1
    assert "run: quotes-dev readme-example" in capsys.readouterr().err
    assert readme_example.main([]) == 0
    assert readme_example.main(["--check"]) == 0

