from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from app.admin.forms import (
    AuditFilterForm,
    ClinicQuestionForm,
    ClinicSettingsForm,
    InstrumentSettingForm,
    LogoForm,
    NewPacketForm,
    PacketAddForm,
    PacketNameForm,
    RoleForm,
    StaffForm,
    choices,
    language_settings_form,
)
from app.extensions import db, instruments
from app.form_flow import save_or_show
from app.paging import numbered_pager
from app.reports.context import logo_data_uri
from app.staff_auth import require_staff
from app.instruments.translations import ENGLISH
from app.services import audit as audit_trail
from app.services import clinic_questions, clinic_settings, languages, packets, staff
from app.services.clinics import ClinicError
from app.services.errors import ServiceError
from app.services.patients import find_patient
from app.services.sections import CLINIC_QUESTIONS
from app.services.staff import StaffError

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_staff("admin"))


REFUSALS = ServiceError


@bp.route("/")
def index():
    return render_template("admin/index.html")


# Instruments -------------------------------------------------------------------------


@bp.route("/instruments")
def instruments_list():
    settings = clinic_settings.instrument_settings(db.session, instruments(), g.staff_user.clinic_id)
    return render_template("admin/instruments.html", settings=settings)


@bp.route("/instruments/<instrument_id>", methods=["GET", "POST"])
def instrument(instrument_id: str):
    setting = clinic_settings.instrument_setting(db.session, instruments(), g.staff_user.clinic_id, instrument_id)
    if setting is None:
        abort(404)
    form = InstrumentSettingForm(
        setting.loaded.definition.total_range,
        data={"is_enabled": setting.is_enabled, "referral_threshold": setting.own_threshold},
    )
    saved = save_or_show(
        form,
        lambda: clinic_settings.save_instrument_setting(
            db.session,
            instruments(),
            g.staff_user,
            instrument_id,
            is_enabled=form.is_enabled.data,
            referral_threshold=form.referral_threshold.data,
        ),
        refusals=REFUSALS,
        field=form.is_enabled,
        done=f"Saved the settings for {setting.loaded.definition.short_title}.",
        then=url_for("admin.instruments_list"),
    )
    return saved or render_template("admin/instrument.html", setting=setting, form=form)


# Packets -----------------------------------------------------------------------------


def _instrument_choices(exclude=()) -> list[tuple[str, str]]:
    enabled = clinic_settings.enabled_instrument_ids(db.session, instruments(), g.staff_user.clinic_id)
    entries = [(iid, instruments()[iid].definition.short_title) for iid in enabled]
    if clinic_questions.clinic_questions_definition(db.session, g.staff_user.clinic_id):
        title = CLINIC_QUESTIONS.title(instruments())
        entries.append((CLINIC_QUESTIONS.id, f"{title} ({clinic_questions.CLINIC_QUESTION_LABEL})"))
    return choices((iid, title) for iid, title in entries if iid not in exclude)


@bp.route("/packets", methods=["GET", "POST"])
def packets_list():
    form = NewPacketForm()
    form.instrument.choices = _instrument_choices()
    if form.validate_on_submit():
        try:
            packet = packets.create_packet(
                db.session, instruments(), g.staff_user, form.name.data, [form.instrument.data]
            )
        except ClinicError as error:
            form.name.errors.append(str(error))
        else:
            flash(f"Created the packet “{packet.name}”. Add its other instruments below.")
            return redirect(url_for("admin.packet", packet_id=packet.id))
    all_packets = packets.list_packets(db.session, g.staff_user.clinic_id)
    return render_template("admin/packets.html", packets=all_packets, form=form)


@bp.route("/packets/<int:packet_id>", methods=["GET", "POST"])
def packet(packet_id: int):
    packet = packets.get_packet(db.session, g.staff_user.clinic_id, packet_id)
    if packet is None:
        abort(404)
    name_form, add_form = PacketNameForm(obj=packet), PacketAddForm()
    add_form.instrument.choices = _instrument_choices(exclude=packet.instrument_ids)
    if name_form.validate_on_submit():
        try:
            _apply_packet_action(packet, request.form, name_form, add_form)
        except ClinicError as error:
            flash(str(error))
        return redirect(url_for("admin.packet", packet_id=packet.id))
    return render_template(
        "admin/packet.html",
        packet=packet,
        name_form=name_form,
        add_form=add_form,
        screeners={
            iid: packets.screener_choices(db.session, instruments(), packet, iid) for iid in packet.instrument_ids
        },
        thresholds=clinic_settings.referral_thresholds(db.session, instruments(), packet.clinic_id),
    )


def _apply_packet_action(packet, posted, name_form, add_form) -> None:
    """One form, several buttons: the button pressed names the change (no script needed)."""
    registry, actor = instruments(), g.staff_user
    action, _, instrument_id = posted.get("action", "").partition(":")
    if action == "rename":
        packets.rename_packet(db.session, actor, packet, name_form.name.data)
    elif action == "add":
        packets.add_to_packet(db.session, registry, actor, packet, add_form.instrument.data)
    elif action in ("up", "down"):
        packets.move_in_packet(db.session, registry, actor, packet, instrument_id, -1 if action == "up" else 1)
    elif action == "remove":
        packets.remove_from_packet(db.session, registry, actor, packet, instrument_id)
    elif action == "follow":
        after = posted.get(f"after_{instrument_id}") or None
        packets.set_follow_up(db.session, registry, actor, packet, instrument_id, after)
    elif action in ("activate", "deactivate"):
        packets.set_packet_active(db.session, registry, actor, packet, action == "activate")
    elif action == "rescreen":
        weeks = posted.get(f"rescreen-{instrument_id}", "").strip()
        if weeks and not weeks.isdigit():
            raise ClinicError("Give the re-screening interval as a whole number of weeks, such as 4.")
        packets.set_rescreen_interval(db.session, actor, packet, instrument_id, int(weeks) if weeks else None)
    else:
        abort(400)
    flash("Packet saved.")


# Clinic questions --------------------------------------------------------------------


@bp.route("/clinic-questions", methods=["GET", "POST"])
def clinic_questions_editor():
    form = ClinicQuestionForm()
    saved = save_or_show(
        form,
        lambda: clinic_questions.add_clinic_question(
            db.session,
            g.staff_user,
            clinic_questions.QuestionDraft(form.type.data, form.text.data, form.option_list()),
        ),
        refusals=REFUSALS,
        field=form.text,
        done="Question added: the clinic questions are saved as a new version.",
        then=url_for("admin.clinic_questions_editor"),
    )
    if saved:
        return saved
    history = clinic_questions.question_set_history(db.session, g.staff_user.clinic_id)
    names = audit_trail.staff_names(db.session, g.staff_user.clinic_id)
    return render_template(
        "admin/clinic_questions.html",
        form=form,
        history=history,
        names=names,
        label=clinic_questions.CLINIC_QUESTION_LABEL,
        type_labels=clinic_questions.TYPE_LABELS,
    )


@bp.route("/clinic-questions/change", methods=["POST"])
def clinic_questions_change():
    # CSRFProtect has checked the token; the button pressed names the change.
    action, _, item_id = request.form.get("action", "").partition(":")
    try:
        if action == "remove":
            clinic_questions.remove_clinic_question(db.session, g.staff_user, item_id)
        elif action in ("up", "down"):
            clinic_questions.move_clinic_question(db.session, g.staff_user, item_id, -1 if action == "up" else 1)
        else:
            abort(400)
        flash("Saved as a new version of the clinic questions.")
    except ClinicError as error:
        flash(str(error))
    return redirect(url_for("admin.clinic_questions_editor"))


# Clinic settings ---------------------------------------------------------------------


def _settings_form(from_request: bool = True) -> ClinicSettingsForm:
    clinic = g.staff_user.clinic
    other_languages = [lang for lang in languages.installed_languages(instruments()) if lang.code != ENGLISH]
    form_class = language_settings_form(other_languages)
    saved = {
        **{f"crisis_text_{lang.code}": clinic.crisis_texts.get(lang.code, "") for lang in other_languages},
        **{f"offer_{lang.code}": lang.code in clinic.offered_languages for lang in other_languages},
    }
    form = form_class(obj=clinic, data=saved) if from_request else form_class(formdata=None, obj=clinic, data=saved)
    if not (from_request and form.is_submitted()):
        form.referral_destinations.data = "\n".join(clinic.referral_destinations)
    return form


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = _settings_form()

    def change():
        details = clinic_settings.ClinicDetails(
            **{
                name: getattr(form, name).data
                for name in ("name", "address", "paper_size", "crisis_text", "care_intro_text")
            },
            timezone=form.timezone.data.strip(),
            referral_destinations=form.destination_list(),
            require_admin_totp=form.require_admin_totp.data,
            crisis_texts=form.crisis_texts(),
            offered_languages=form.offered(),
            read_aloud=form.read_aloud.data,
        )
        clinic_settings.save_clinic_details(db.session, g.staff_user, details)

    saved = save_or_show(
        form, change, refusals=REFUSALS, field=form.name, done="Clinic settings saved.", then=url_for("admin.settings")
    )
    return saved or _settings_page(form, LogoForm())


def _settings_page(form, logo_form, status: int = 200):
    logo = logo_data_uri(g.staff_user.clinic)
    return render_template("admin/settings.html", form=form, logo_form=logo_form, logo=logo), status


@bp.route("/settings/logo", methods=["POST"])
def logo():
    form = LogoForm()
    if request.form.get("action") == "remove":
        clinic_settings.save_clinic_logo(db.session, g.staff_user, None)
        flash("Logo removed.")
        return redirect(url_for("admin.settings"))
    saved = save_or_show(
        form,
        lambda: clinic_settings.save_clinic_logo(db.session, g.staff_user, form.logo.data.read()),
        refusals=REFUSALS,
        field=form.logo,
        done="Logo saved.",
        then=url_for("admin.settings"),
    )
    return saved or _settings_page(_settings_form(from_request=False), form, 400)


# Staff accounts ----------------------------------------------------------------------


@bp.route("/staff")
def staff_list():
    people = staff.list_staff(db.session, g.staff_user.clinic_id)
    return render_template("admin/staff_list.html", people=people)


@bp.route("/staff/new", methods=["GET", "POST"])
def staff_new():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            person, token = staff.invite_staff(
                db.session, g.staff_user, email=form.email.data, name=form.name.data, role=form.role.data
            )
        except StaffError as error:
            form.email.errors.append(str(error))
        else:
            return _show_link(person, token, "set")
    return render_template("admin/staff_new.html", form=form)


def _show_link(person, token: str, purpose: str):
    # The token after "#": browsers never send a fragment, so it stays out of access logs.
    link = url_for("auth.set_password", _external=True) + f"#token={token}"
    lifetime = staff.LINK_LIFETIME[purpose]
    return render_template("admin/staff_link.html", person=person, link=link, purpose=purpose, lifetime=lifetime)


def _staff_or_404(user_id: int):
    person = staff.get_staff(db.session, g.staff_user.clinic_id, user_id)
    if person is None:
        abort(404)
    return person


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
def staff_member(user_id: int):
    person = _staff_or_404(user_id)
    form = RoleForm(obj=person)
    saved = save_or_show(
        form,
        lambda: staff.change_role(db.session, g.staff_user, person, form.role.data),
        refusals=REFUSALS,
        field=form.role,
        done=f"{person.name}'s role is saved.",
        then=url_for("admin.staff_member", user_id=person.id),
    )
    return saved or render_template("admin/staff_member.html", person=person, form=form)


@bp.route("/staff/<int:user_id>/account", methods=["POST"])
def staff_account(user_id: int):
    person, actor, action = _staff_or_404(user_id), g.staff_user, request.form.get("action")
    try:
        if action in ("deactivate", "activate"):
            staff.set_staff_active(db.session, actor, person, action == "activate")
            flash(f"{person.name}'s account is {'active' if person.is_active else 'deactivated'}.")
        elif action == "reset":
            return _show_link(person, staff.issue_password_reset(db.session, actor, person), "reset")
        elif action == "remove-two-factor":
            staff.remove_staff_totp(db.session, actor, person)
            flash(f"Two-factor sign-in removed from {person.name}'s account.")
        else:
            abort(400)
    except StaffError as error:
        flash(str(error))
    return redirect(url_for("admin.staff_member", user_id=person.id))


# Audit trail -------------------------------------------------------------------------


def _audit_filter(form: AuditFilterForm):
    """The filter the form describes, or None with the reason shown on the form."""
    clinic_id = g.staff_user.clinic_id
    form.person.choices = [("", "Anyone")] + [
        (str(uid), name) for uid, name in audit_trail.staff_names(db.session, clinic_id).items()
    ]
    form.action.choices = [("", "Any action"), *audit_trail.audit_actions(db.session, clinic_id)]
    if not form.validate():
        return None
    patient_id = None
    if (form.mrn.data or "").strip():
        patient = find_patient(db.session, clinic_id, form.mrn.data)
        if patient is None:
            form.mrn.errors.append("No patient with this MRN is registered at this clinic.")
            return None
        patient_id = patient.id
    return audit_trail.AuditFilter(
        actor_user_id=int(form.person.data) if (form.person.data or "").isdigit() else None,
        patient_id=patient_id,
        action=form.action.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


@bp.route("/audit")
def audit():
    form = AuditFilterForm(request.args)
    filters = _audit_filter(form)
    page = None
    if filters is not None:
        page = audit_trail.search_audit(db.session, g.staff_user.clinic, filters, request.args.get("page", 1, type=int))
    names = audit_trail.staff_names(db.session, g.staff_user.clinic_id)
    query = {key: value for key, value in request.args.items() if key != "page"}
    pages = numbered_pager("admin.audit", query, page.page, page.pages, "← Newer", "Older →") if page else None
    return render_template("admin/audit.html", form=form, page=page, names=names, query=query, pager=pages)


@bp.post("/audit.csv")
def audit_csv():
    # A POST with a CSRF token (checked by CSRFProtect): another site cannot start an export.
    form = AuditFilterForm(request.form)
    filters = _audit_filter(form)
    if filters is None:
        abort(400)
    body = audit_trail.export_audit_csv(db.session, g.staff_user, filters)
    headers = {"Content-Disposition": 'attachment; filename="audit-trail.csv"'}
    return Response(body, mimetype="text/csv", headers=headers)
