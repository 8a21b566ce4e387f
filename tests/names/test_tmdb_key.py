"""The TMDB key: environment first, then the key file; blanked out of every log record."""

from __future__ import annotations

import logging
import sys

from subflow.names.tmdb_key import SecretFilter, load_api_key


def test_key_from_environment_first(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("from-file\n")
    assert load_api_key({"TMDB_API_KEY": " from-env "}, str(key_file))[0] == "from-env"
    assert load_api_key({}, str(key_file)) == ("from-file", f"file {key_file}")


def test_missing_key_says_how_to_set_it(tmp_path):
    key, reason = load_api_key({}, "")
    assert key is None and "TMDB_API_KEY" in reason
    key, reason = load_api_key({}, str(tmp_path / "nope"))
    assert key is None and "cannot be read" in reason
    (tmp_path / "empty").write_text("\n")
    assert load_api_key({}, str(tmp_path / "empty"))[1].endswith("is empty")


def test_secret_filter_blanks_the_key_in_messages_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "GET %s", ("/3/movie?api_key=s3cr3t",), None)
    try:
        raise ValueError("url ...api_key=s3cr3t")
    except ValueError:
        record.exc_info = sys.exc_info()
    SecretFilter("s3cr3t").filter(record)
    assert "s3cr3t" not in record.getMessage() and "***" in record.getMessage()
    assert record.exc_info is None
