/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";
import { allOrdersSynced, payInCash, selectCustomer, wait } from "./utils/pongo_util";

const POPUP = ".modal .close-pos-popup";

/** Sell to a Pongo customer while Pongo is down, then open the closing screen. */
function sellThenOpenClosing() {
    return [
        Chrome.startPoS(),
        Dialog.confirm("Open Register"),
        selectCustomer("Emma Petit"),
        ProductScreen.addOrderline("Desk Pad", "1"),
        payInCash(),
        ReceiptScreen.clickNextOrder(),
        allOrdersSynced(),
        Chrome.clickMenuOption("Close Register"),
        { content: "the closing screen is open", trigger: `${POPUP} .cash-input input` },
    ].flat();
}

/** Count the cash as expected and close: the page reloads on a new session. */
function closeRegister() {
    return [
        {
            content: "count the cash as expected",
            trigger: `${POPUP} button.fa-clone`,
            run: "click",
        },
        {
            content: "close the register",
            trigger: `${POPUP} .modal-footer .btn-primary:contains("Close Register"):not([disabled])`,
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the register is closed: the POS offers to open a new one",
            trigger: ".screen-login .btn.open-register-btn, button:contains(backend)",
        },
    ];
}

registry.category("web_tour.tours").add("PosPongoClosingTour", {
    steps: () =>
        [
            sellThenOpenClosing(),
            {
                content: "Pongo: the order paid while Pongo was down is not sent yet",
                trigger: `${POPUP} .o_pos_pongo_closing .o_pos_pongo_closing_counts:contains("1 not sent yet")`,
            },
            {
                content: "no failed order, and a cashier gets no link to the back office",
                trigger: `${POPUP} .o_pos_pongo_closing`,
                run: () => {
                    const block = document.querySelector(".o_pos_pongo_closing");
                    if (block.textContent.includes("failed")) {
                        throw new Error("a failed order is announced");
                    }
                    if (block.querySelector("a")) {
                        throw new Error("a cashier is offered the back-office list");
                    }
                },
            },
            closeRegister(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoClosingNoCountTour", {
    steps: () =>
        [
            sellThenOpenClosing(),
            wait(1000, "the count call has failed"),
            {
                content: "no Pongo count, no error: the closing screen as usual",
                trigger: POPUP,
                run: () => {
                    if (document.querySelector(".o_pos_pongo_closing, .o_error_dialog")) {
                        throw new Error("the failed count shows something");
                    }
                },
            },
            closeRegister(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoUnsentOrdersTour", {
    steps: () => [
        {
            content: "the manager's list holds the one order not at Pongo",
            trigger: ".o_list_view .o_data_row:contains('Emma Petit')",
            run: () => {
                const rows = document.querySelectorAll(".o_list_view .o_data_row");
                if (rows.length !== 1) {
                    throw new Error(`${rows.length} orders listed, 1 expected`);
                }
            },
        },
        {
            content: "under the session, in the breadcrumb",
            trigger: ".o_breadcrumb:contains('Orders not at Pongo')",
        },
    ],
});
