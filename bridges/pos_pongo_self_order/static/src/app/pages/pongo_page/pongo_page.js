/* Part of pos_pongo. License LGPL-3.0 or later. */
import { Component, useState } from "@odoo/owl";
import { Numpad } from "@point_of_sale/app/generic_components/numpad/numpad";
import { useSelfOrder } from "@pos_self_order/app/self_order_service";
import { useService } from "@web/core/utils/hooks";

const MAX_DIGITS = 15; // E.164

/**
 * "Collect my Pongo points": the customer types their number on the kiosk's
 * keypad (their phone's keyboard on mobile) or scans their Pongo pass; a number
 * Pongo does not know may join. Skipped in one tap.
 */
export class PongoPage extends Component {
    static template = "pos_pongo_self_order.PongoPage";
    static components = { Numpad };
    static props = {};

    setup() {
        this.selfOrder = useSelfOrder();
        this.router = useService("router");
        this.state = useState({
            step: this.selfOrder.pongo.customer ? "welcome" : "ask",
            phone: "",
            firstName: "",
            sms: null, // no answer is preselected
            email: null,
            message: "",
            errors: {},
            busy: false,
            offline: false, // joining while Pongo is unreachable
            closed: false, // lookups refused on this screen (rate limit)
        });
    }

    get pongo() {
        return this.selfOrder.pongo;
    }

    get isKiosk() {
        return this.selfOrder.pongoIsKiosk;
    }

    get step() {
        // A pass scanned while the page is open identifies the customer too.
        return this.pongo.customer ? "welcome" : this.state.step;
    }

    get scanMessage() {
        const scan = this.pongo.lastScan;
        return scan && scan.status !== "found" ? scan.message : "";
    }

    get keypadButtons() {
        return [
            "1",
            "2",
            "3",
            "4",
            "5",
            "6",
            "7",
            "8",
            "9",
            { value: "Clear", text: "C" },
            "0",
            { value: "Backspace", text: "⌫" },
        ];
    }

    get canJoin() {
        return typeof this.state.sms === "boolean" && typeof this.state.email === "boolean";
    }

    answer(question, yes) {
        this.state[question] = yes;
    }

    onKey(key) {
        this.state.message = "";
        if (key === "Backspace") {
            this.state.phone = this.state.phone.slice(0, -1);
        } else if (key === "Clear") {
            this.state.phone = "";
        } else if (this.state.phone.length < MAX_DIGITS) {
            this.state.phone += key;
        }
    }

    onPhoneInput(ev) {
        this.state.message = "";
        this.state.phone = ev.target.value.replace(/[^\d+ ]/g, "").slice(0, 20);
    }

    async identify() {
        if (!this.state.phone || this.state.busy) {
            return;
        }
        this.state.busy = true;
        try {
            const answer = await this.selfOrder.pongoIdentify({ phone: this.state.phone });
            this.handle(answer, "ask");
        } finally {
            this.state.busy = false;
        }
    }

    async join() {
        if (!this.canJoin || this.state.busy) {
            return;
        }
        this.state.busy = true;
        try {
            const answer = await this.selfOrder.pongoJoin({
                phone: this.state.phone,
                first_name: this.state.firstName,
                sms_optin: this.state.sms,
                email_optin: this.state.email,
            });
            this.handle(answer, "join");
        } finally {
            this.state.busy = false;
        }
    }

    handle(answer, from) {
        this.state.errors = answer.errors || {};
        this.state.message = answer.message || "";
        switch (answer.status) {
            case "found":
                this.state.step = "welcome";
                break;
            case "not_found":
                this.state.step = "join";
                this.state.offline = false;
                break;
            case "invalid":
                this.state.step = from;
                if (answer.errors?.phone && from === "join") {
                    this.state.message = answer.errors.phone;
                }
                break;
            case "limited":
                this.state.closed = true;
                break;
            case "inactive":
                this.continue();
                break;
            default:
                this.state.step = from === "join" ? "join" : "down";
        }
    }

    keepNumberForLater() {
        this.state.offline = true;
        this.state.message = "";
        this.state.step = "join";
    }

    back() {
        this.state.message = "";
        this.state.errors = {};
        this.state.step = "ask";
    }

    skip() {
        this.selfOrder.pongoSkip();
        this.continue();
    }

    continue() {
        this.selfOrder.pongoSkip();
        this.router.navigate("product_list");
    }

    openRewards() {
        this.router.navigate("pongo_rewards");
    }
}
