from .clustermanifest import register

__all__ = ["register"]
