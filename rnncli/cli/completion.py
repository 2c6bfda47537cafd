"""`rnncli completion SHELL`: the shell's tab-completion script (click's shell completion)."""

import click

from .options import CONTEXT

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_RNNCLI_COMPLETE"  # click's variable: "_{PROG}_COMPLETE", upper case


@click.command(context_settings=CONTEXT)
@click.argument("shell", type=click.Choice(SHELLS), metavar="SHELL")
@click.pass_context
def completion(ctx, shell):
    """Print the tab-completion script of SHELL (bash, zsh or fish) on stdout.

    Commands, options, their choices, and file names for DATA, MODEL and file options complete.
    Enable it once (bash needs version 4.4 or later):

    \b
    echo 'eval "$(rnncli completion bash)"' >> ~/.bashrc
    echo 'eval "$(rnncli completion zsh)"' >> ~/.zshrc
    rnncli completion fish > ~/.config/fish/completions/rnncli.fish
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root()
    script = get_completion_class(shell)(root.command, {}, root.info_name or "rnncli", COMPLETE_VAR)
    click.echo(script.source())
