"""Flask extensions, created unbound; ``create_app`` binds them to an app."""

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from training.core.db import Base, Session

db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)

# The base class of every table: ``class User(Model)``. Flask-SQLAlchemy builds
# ``db.Model`` at run time from ``Base``; type checkers cannot see a base class held by
# an object's attribute, so they are shown ``Base`` itself, whose columns it types.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
