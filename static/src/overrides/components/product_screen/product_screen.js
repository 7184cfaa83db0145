/* Part of pos_pongo. License LGPL-3.0 or later. */
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { useBarcodeReader } from "@point_of_sale/app/barcode/barcode_reader_hook";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { PONGO_CUSTOMER_ID_RE } from "@pos_pongo/overrides/models/pos_store";

patch(ProductScreen.prototype, {
    setup() {
        super.setup(...arguments);
        // Codes no nomenclature rule matches (when there is no catch-all rule).
        useBarcodeReader({ error: this._pongoBarcodeErrorAction });
    },

    /** A Pongo wallet pass carries the customer id (cust_…). */
    _pongoIsCustomerCode(code) {
        return Boolean(
            this.pos.config.pongo_active &&
            code &&
            typeof code.code === "string" &&
            code.code.startsWith("cust_"),
        );
    },

    async _pongoScanCustomer(code) {
        if (!PONGO_CUSTOMER_ID_RE.test(code.code)) {
            this.pos.pongoAlert(
                _t("Unknown Pongo card"),
                _t("“%s” is not a valid Pongo customer card.", code.code),
            );
            return;
        }
        const result = await this.pos.pongoCall("pongo_scan", code.code);
        if (result.status === "invalid") {
            this.pos.pongoAlert(
                _t("Unknown Pongo card"),
                result.message || _t("Pongo does not know the customer card “%s”.", code.code),
            );
            return;
        }
        const partner = await this.pos.pongoCustomerFound(result, { enlist: false });
        if (partner) {
            this.pos.get_order()?.set_partner(partner);
        }
    },

    async _barcodeProductAction(code) {
        if (this._pongoIsCustomerCode(code)) {
            return await this._pongoScanCustomer(code);
        }
        return await super._barcodeProductAction(...arguments);
    },

    async _barcodePartnerAction(code) {
        if (this._pongoIsCustomerCode(code)) {
            return await this._pongoScanCustomer(code);
        }
        return await super._barcodePartnerAction(...arguments);
    },

    async _pongoBarcodeErrorAction(code) {
        if (this._pongoIsCustomerCode(code)) {
            return await this._pongoScanCustomer(code);
        }
        this.barcodeReader.showNotFoundNotification(code);
    },
});
