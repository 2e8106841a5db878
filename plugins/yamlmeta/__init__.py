from .yamlmeta import register

__all__ = ["register"]
