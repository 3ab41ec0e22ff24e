"""The toy study of the paper, reproduced from one command (`cmx figures`)."""

from study.runner import write_study

__all__ = ["write_study"]
