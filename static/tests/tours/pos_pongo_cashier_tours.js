/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TextInputPopup from "@point_of_sale/../tests/tours/utils/text_input_popup_util";
import {
    applyVoucher,
    clickApply,
    closePanel,
    openPongoPanel,
    PANEL,
    payInCash,
    searchCustomerText,
    selectCustomer,
} from "@pos_pongo/../tests/tours/utils/pongo_util";
import { registry } from "@web/core/registry";

function toast(text) {
    return {
        content: `the cashier is told: ${text}`,
        trigger: `.o_notification:contains("${text}")`,
    };
}

registry.category("web_tour.tours").add("PosPongoJoinTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Ada Lovelace"),
            {
                content: "a double tap on Pongo opens one panel, at once",
                trigger: ".product-screen .o_pos_pongo_button",
                run: async () => {
                    const button = document.querySelector(".o_pos_pongo_button");
                    button.click();
                    button.click();
                    await new Promise((resolve) => setTimeout(resolve, 300));
                    const panels = document.querySelectorAll(".o_pos_pongo_panel");
                    if (panels.length !== 1) {
                        throw new Error(`${panels.length} panels open`);
                    }
                },
            },
            {
                content: "not a member: the panel offers to join",
                trigger: `${PANEL} .o_pos_pongo_not_linked .o_pos_pongo_join`,
                run: "click",
            },
            {
                content: "the join form is filled from the contact, the name field has the focus",
                trigger: ".o_pos_pongo_enlist .modal-title:contains('Join Pongo')",
                run: () => {
                    const value = (name) =>
                        document.querySelector(`.o_pos_pongo_enlist input[name='${name}']`).value;
                    const seen = [value("phone"), value("first_name"), value("last_name")];
                    if (seen.join("|") !== "+33699887766|Ada|Lovelace") {
                        throw new Error(`prefilled with ${seen}`);
                    }
                    if (document.activeElement?.name !== "first_name") {
                        throw new Error(`focus on ${document.activeElement?.name}`);
                    }
                },
            },
            {
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_sms_optin .o_pos_pongo_no",
                run: "click",
            },
            {
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_consent_email_optin .o_pos_pongo_yes",
                run: "click",
            },
            {
                trigger: ".o_pos_pongo_enlist .o_pos_pongo_save:not([disabled])",
                run: "click",
            },
            toast("Ada Lovelace joined Pongo"),
            {
                content: "the panel shows the new member's points and rewards",
                trigger: `${PANEL} .o_pos_pongo_loaded .o_pos_pongo_points:contains("0")`,
            },
            {
                trigger: `${PANEL} .o_pos_pongo_reward:contains("Café offert")`,
            },
            closePanel(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoCounterTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickPartnerButton(),
            {
                content: "one balance: Emma's Pongo points, no Odoo points beside them",
                trigger:
                    ".partner-list tr:contains('Emma Petit') .o_pos_pongo_partner_points:contains('500 Pongo points')",
                run: () => {
                    const cells = [...document.querySelectorAll(".partner-line-balance")];
                    const odoo = cells.filter((cell) =>
                        /\d Points/.test(cell.textContent.replace("Pongo points", "")),
                    );
                    if (odoo.length) {
                        throw new Error(`other balances shown: ${odoo[0].textContent}`);
                    }
                },
            },
            searchCustomerText("06 12 34 56 03"),
            {
                content: "Enter looks the phone number up at Pongo",
                trigger: ".modal-header .input-group input",
                run: "press Enter",
            },
            toast("Lucas Thomas: 120 Pongo points"),
            ProductScreen.customerIsSelected("Lucas Thomas"),
            selectCustomer("Emma Petit"),
            ProductScreen.addOrderline("Menu du jour", "1"),
            openPongoPanel(),
            clickApply("Viennoiserie offerte"),
            {
                trigger: ".selection-item:contains('Croissant')",
                run: "click",
            },
            toast("Viennoiserie offerte is on the order"),
            {
                content: "the panel stays open: the voucher too",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte"):contains("In this order")`,
            },
            clickApply("Bon de 5"),
            {
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Bon de 5"):contains("In this order")`,
            },
            closePanel(),
            ProductScreen.totalAmountIs("7.00"),
            payInCash(),
            {
                content: "the receipt prints the Pongo balance, not Odoo's points",
                trigger: ".pos-receipt .o_pos_pongo_receipt_points",
                run: () => {
                    if (document.querySelector(".pos-receipt .loyalty")) {
                        throw new Error("Odoo's loyalty points are on the receipt");
                    }
                },
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoTypedCodeTour", {
    steps: () => {
        const code = new URLSearchParams(window.location.search).get("pongo_code");
        return [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            ProductScreen.addOrderline("Menu du jour", "1"),
            applyVoucher(),
            Chrome.createFloatingOrder(),
            selectCustomer("Emma Petit"),
            ProductScreen.addOrderline("Menu du jour", "1"),
            ProductScreen.clickControlButton("Enter Code"),
            TextInputPopup.inputText(code),
            Dialog.confirm(),
            toast("already used or on another order"),
            ProductScreen.totalAmountIs("12.00"),
        ].flat();
    },
});
