from .powers import register

__all__ = ["register"]
