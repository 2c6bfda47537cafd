"""Library messages name arguments in backticks; `cli_text` says them as the command line does, with flags."""

import pickle

from rnncli.errors import FLAGS, ConfigError, DataError, cli_text, shortened


def test_an_argument_becomes_its_flag():
    assert cli_text("`past` must be an integer >= 1, got 0") == "--past must be an integer >= 1, got 0"
    assert cli_text("lower `past`/`future`") == "lower --past/--future"


def test_an_argument_whose_flag_has_another_name_becomes_that_flag():
    assert cli_text("`batch_size`, `val_frac`, `time_col`") == "--batch-size, --val-frac, --time-col"
    assert cli_text("`targets` 'y'") == "--target 'y'"
    assert cli_text("unknown `series_id` 'a'") == "unknown --id 'a'"
    assert cli_text("`n_jobs` must be ...") == "-j/--n-jobs must be ..."


def test_a_value_follows_the_flag_unquoted():
    assert cli_text("`past=12` + `future=6`") == "--past 12 + --future 6"
    assert cli_text("skip them with `fill='drop'`") == "skip them with --fill drop"
    assert cli_text("with `time_format='%d/%m/%Y'`") == "with --time-format %d/%m/%Y"
    assert cli_text("read it with `thousands=','`") == "read it with --thousands ,"


def test_alternatives_and_placeholders_read_as_the_flag_help_writes_them():
    assert cli_text("use `fill='ffill'|'interpolate'|'zero'`") == "use --fill ffill|interpolate|zero"
    assert cli_text("declare it with `freq=ALIAS`") == "declare it with --freq ALIAS"


def test_a_switch_given_as_true_is_the_flag_alone():
    assert cli_text("or use `no_header=True`") == "or use --no-header"


def test_text_that_names_no_argument_is_left_as_it_is():
    old = "--scale minmax was given"  # a model file saved before the library named arguments
    assert cli_text(old) == old
    assert cli_text("a `columns` name and `x` stay") == "a `columns` name and `x` stay"
    assert cli_text(cli_text("`fill='drop'`")) == "--fill drop"


def test_every_flag_is_an_option_spelling():
    assert all(flag.startswith("--") or flag == "-j/--n-jobs" for flag in FLAGS.values())


def test_str_of_an_error_names_the_argument_and_survives_pickling_and_composition():
    error = ConfigError("`past` must be an integer >= 1, got 0")
    assert str(error) == "`past` must be an integer >= 1, got 0"
    again = pickle.loads(pickle.dumps(error))  # as a worker process sends it back
    assert cli_text(str(DataError(f"long.csv [store=a]: {again}"))) == (
        "long.csv [store=a]: --past must be an integer >= 1, got 0")


GAP = ("long.csv [store=a]: 2 timestamps are missing from the D calendar of column 'date'; fill them with "
       "`fill='ffill'|'interpolate'|'zero'`, skip them with `fill='drop'`, or use `freq='none'`")


def test_a_shortened_message_reads_on_the_command_line_as_its_flag_text_cut_there():
    said = cli_text(GAP)
    for limit in range(4, len(said)):
        assert cli_text(shortened(GAP, limit)) == said[: limit - 3] + "..."
    in_the_flag = said.index("interpolate") + len("inter...")  # a cut inside a flag shows the flag's text
    assert shortened(GAP, in_the_flag) == ("long.csv [store=a]: 2 timestamps are missing from the D calendar "
                                           "of column 'date'; fill them with --fill ffill|inter...")
    assert shortened(GAP, len(said)) == GAP
