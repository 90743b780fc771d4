from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class SignInForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        validators=[DataRequired(message="Enter the e-mail address of your Tallyform account.")],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(message="Enter your password."),
            Length(max=1024, message="That password is too long to be yours."),
        ],
        render_kw={"autocomplete": "current-password"},
    )
