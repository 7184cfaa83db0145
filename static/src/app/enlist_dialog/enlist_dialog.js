/* Part of pos_pongo. License LGPL-3.0 or later. */
import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { usePos } from "@point_of_sale/app/store/pos_hook";

/** Enlist a new customer in Pongo, with explicit SMS and e-mail marketing consent. */
export class PongoEnlistDialog extends Component {
    static template = "pos_pongo.EnlistDialog";
    static components = { Dialog };
    static props = {
        values: { type: Object, optional: true },
        getPayload: Function,
        close: Function,
    };
    static defaultProps = { values: {} };

    setup() {
        this.pos = usePos();
        const values = this.props.values;
        this.state = useState({
            phone: values.phone || "",
            first_name: values.first_name || "",
            last_name: values.last_name || "",
            email: values.email || "",
            // No preselected answer: null until the customer answers.
            sms_optin: null,
            email_optin: null,
            errors: {},
            message: "",
            saving: false,
        });
    }

    get consentQuestions() {
        return [
            { field: "sms_optin", label: _t("SMS marketing consent") },
            { field: "email_optin", label: _t("E-mail marketing consent") },
        ];
    }

    get canSave() {
        return (
            !this.state.saving &&
            Boolean(this.state.phone.trim()) &&
            this.state.sms_optin !== null &&
            this.state.email_optin !== null
        );
    }

    get missingReason() {
        if (!this.state.phone.trim()) {
            return _t("The phone number is required.");
        }
        if (this.state.sms_optin === null || this.state.email_optin === null) {
            return _t("Ask both consent questions before saving.");
        }
        return "";
    }

    setConsent(field, value) {
        this.state[field] = value;
        delete this.state.errors[field];
    }

    async save() {
        if (!this.canSave) {
            return;
        }
        this.state.saving = true;
        this.state.errors = {};
        this.state.message = "";
        try {
            const result = await this.pos.pongoCall("pongo_enlist", {
                phone: this.state.phone.trim(),
                first_name: this.state.first_name.trim(),
                last_name: this.state.last_name.trim(),
                email: this.state.email.trim(),
                sms_optin: this.state.sms_optin,
                email_optin: this.state.email_optin,
            });
            if (result.status === "created" || result.status === "created_offline") {
                if (result.status === "created_offline" && result.message) {
                    this.pos.notification.add(result.message, { type: "warning" });
                }
                this.props.getPayload(result.partner_id);
                this.props.close();
                return;
            }
            if (result.status === "invalid") {
                this.state.errors = result.errors || {};
                this.state.message = result.message || "";
                if (!Object.keys(this.state.errors).length && !this.state.message) {
                    this.state.message = _t("Pongo refused these values.");
                }
            } else {
                this.state.message =
                    result.message || _t("The customer could not be enlisted. Try again.");
            }
        } finally {
            this.state.saving = false;
        }
    }
}
