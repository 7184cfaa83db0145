/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import { scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import {
    clickSearchPongo,
    screenshot,
    searchCustomerText,
} from "@pos_pongo/../tests/tours/utils/pongo_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("PosPongoEnlistTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            searchCustomerText("06 12 34 56 99"),
            clickSearchPongo(),
            {
                content: "the enlist form opens with the phone prefilled",
                trigger: ".o_pos_pongo_enlist input[name='phone']",
                run: function () {
                    const value = this.anchor.value;
                    if (value !== "+33612345699") {
                        throw new Error(`unexpected phone ${value}`);
                    }
                },
            },
            {
                content: "no consent answer is preselected",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_sms_optin",
                run: () => {
                    if (
                        document.querySelector(".o_pos_pongo_enlist .o_pos_pongo_consent .active")
                    ) {
                        throw new Error("a consent answer is preselected");
                    }
                },
            },
            {
                trigger: ".o_pos_pongo_enlist input[name='first_name']",
                run: "edit Zoé",
            },
            {
                trigger: ".o_pos_pongo_enlist input[name='last_name']",
                run: "edit Durand",
            },
            {
                trigger: ".o_pos_pongo_enlist input[name='email']",
                run: "edit zoe.durand@example.com",
            },
            {
                content: "Save is disabled before any consent answer",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_save[disabled]",
            },
            {
                content: "SMS consent: yes",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_sms_optin .o_pos_pongo_yes",
                run: "click",
            },
            {
                content: "Save is still disabled with one answer",
                trigger:
                    ".o_pos_pongo_enlist .o_pos_pongo_consent_sms_optin .o_pos_pongo_yes.active",
                run: () => {
                    if (
                        !document.querySelector(".o_pos_pongo_enlist .o_pos_pongo_save[disabled]")
                    ) {
                        throw new Error("Save is enabled with one consent unanswered");
                    }
                },
            },
            {
                content: "e-mail consent: no",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_email_optin .o_pos_pongo_no",
                run: "click",
            },
            screenshot("enlist-dialog"),
            {
                content: "Save is enabled once both are answered",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_save:not([disabled])",
                run: "click",
            },
            ProductScreen.customerIsSelected("Zoé Durand"),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoEnlistErrorsTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            searchCustomerText("06 12 34 56 98"),
            clickSearchPongo(),
            {
                trigger: ".o_pos_pongo_enlist input[name='email']",
                run: "edit not-an-email",
            },
            {
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_sms_optin .o_pos_pongo_no",
                run: "click",
            },
            {
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_email_optin .o_pos_pongo_no",
                run: "click",
            },
            {
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_save:not([disabled])",
                run: "click",
            },
            {
                content: "the server error shows next to the e-mail field",
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_error[data-field='email']",
            },
            {
                content: "discard the enlist form",
                trigger: ".o_pos_pongo_enlist .modal-footer button:contains('Discard')",
                run: "click",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoSearchPhoneTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            searchCustomerText("06 12 34 56 03"),
            clickSearchPongo(),
            ProductScreen.customerIsSelected("Lucas Thomas"),
            {
                content: "the Pongo button shows for a customer",
                trigger: ".product-screen .o_pos_pongo_button",
            },
            ProductScreen.clickPartnerButton(),
            searchCustomerText("12"),
            clickSearchPongo(),
            {
                content: "an invalid phone gives a clear message",
                trigger: ".modal:not(.o_inactive_modal) .modal-title:contains('Pongo')",
            },
            Dialog.confirm(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoScanTour", {
    steps: () => {
        const code = new URLSearchParams(window.location.search).get("pongo_code");
        return [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode("cust_doesnotexist42"),
            {
                content: "a Pongo card Pongo does not know gives a clear message",
                trigger:
                    ".modal:not(.o_inactive_modal) .modal-title:contains('Unknown Pongo card')",
            },
            Dialog.confirm(),
            scan_barcode("9999999999999"),
            {
                content: "a non-Pongo unknown code keeps Odoo's notification",
                trigger: ".o_notification:contains('Unknown Barcode')",
            },
            scan_barcode(code),
            ProductScreen.customerIsSelected("Lucas Thomas"),
        ].flat();
    },
});
