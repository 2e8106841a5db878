from .searchindex import register

__all__ = ["register"]
