from app.forms import Form
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp


class SignInForm(Form):
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


class CodeForm(Form):
    code = StringField(
        "6-digit code from your authenticator app",
        validators=[
            DataRequired(message="Enter the 6-digit code your authenticator app shows now."),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="The code is 6 digits, such as 123456."),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )


class NewPasswordForm(Form):
    token = StringField(
        "Code from your link",
        validators=[DataRequired(message="Open the link your clinic admin gave you, or paste its code here.")],
        render_kw={"autocomplete": "off", "spellcheck": "false", "data-fragment-field": "token"},
    )
    password = PasswordField(
        "New password",
        validators=[
            DataRequired(message="Choose a password of at least 12 characters."),
            Length(max=1024, message="Use at most 1024 characters."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "The same password again",
        validators=[
            DataRequired(message="Type the password a second time, so a typing slip cannot lock you out."),
            EqualTo("password", message="The two passwords differ; type the same one twice."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
