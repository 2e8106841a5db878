"""``python -m formsvc <command>``: the same commands as ``flask --app formsvc``."""

from flask.cli import FlaskGroup

from formsvc import create_app

cli = FlaskGroup(create_app=lambda: create_app(), help="示范县互动交流服务（formsvc）运维命令")

if __name__ == "__main__":
    cli()
