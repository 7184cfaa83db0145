/* Part of pos_pongo. License LGPL-3.0 or later. */
import { Component, onMounted, useRef, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { usePos } from "@point_of_sale/app/store/pos_hook";

const FIELDS = ["phone", "first_name", "last_name", "email"];

/** Enlist a customer in Pongo, with explicit SMS and e-mail marketing consent.
 * ``values.partner_id``: the contact already here who joins. */
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
            ...Object.fromEntries(FIELDS.map((field) => [field, values[field] || ""])),
            // No preselected answer: null until the customer answers.
            sms_optin: null,
            email_optin: null,
            errors: {},
            message: "",
            saving: false,
        });
        this.firstName = useRef("firstName");
        this.phone = useRef("phone");
        // The number is known already: the cashier goes on with the name.
        onMounted(() => (this.state.phone ? this.firstName : this.phone).el?.focus());
    }

    get title() {
        return this.props.values.partner_id ? _t("Join Pongo") : _t("Enlist in Pongo");
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

    /** A corrected field loses its error. */
    onInput(field) {
        delete this.state.errors[field];
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
            const values = Object.fromEntries(
                FIELDS.map((field) => [field, this.state[field].trim()]),
            );
            const result = await this.pos.pongoCall("pongo_enlist", {
                ...values,
                partner_id: this.props.values.partner_id || false,
                sms_optin: this.state.sms_optin,
                email_optin: this.state.email_optin,
            });
            if (["created", "created_offline", "linked"].includes(result.status)) {
                this.props.getPayload(result);
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
