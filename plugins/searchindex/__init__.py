from .searchindex import before_build, register

__all__ = ["before_build", "register"]
