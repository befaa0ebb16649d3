"""What the demo county's documents say and which ways they go, one entry per flowchart.

Each entry holds a realistic first document (its title and starting fields), field values the steps
need to pass their rules (thresholds, quorums, the negative list), and the paths through the flowchart:
the main path (first) and its returns, withdrawals, objections and rejections. workflow/demo.py walks a prefix of
one path for each document it makes, filling every other field from its type.
"""
from __future__ import annotations

from typing import Any

SCENARIOS: dict[str, dict[str, Any]] = {
    "certificate_issuance": {
        "title": "张三申请居住证明",
        "start": {
            "applicant": "张三",
            "applicant_id": "431381198001010019",
            "certificate_type": "居住证明",
            "purpose": "办理子女入学",
        },
        "fields": {"blank_document": False},
        "paths": {
            "main": ["list_check", "verify", "approve", "stamp", "archive"],
            "referred": ["refer"],
            "returned_then_issued": ["list_check", "verify", "return_verify", "verify", "approve", "stamp"],
            "refused": ["list_check", "verify", "refuse"],
        },
    },
    "collective_asset_disposal": {
        "title": "关于村集体闲置仓库对外出租的决策",
        "start": {
            "matter": "原村小学闲置教学楼对外出租",
            "asset_name": "原村小学教学楼（ZC-2016-003）",
            "disposal_method": "租赁",
            "term_years": 5,
        },
        "fields": {"buyer_is_member": True, "reserve_price": "30000.00", "price": "36500.00"},
        "paths": {
            "main": [
                "set_reserve_price", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_close_publicity", "township_approve", "close_deal", "close_publicity", "sign_contract",
                "file_contract", "archive",
            ],
            "unsold_and_returned": [
                "set_reserve_price", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_close_publicity", "township_approve", "unsold", "set_reserve_price", "d_consult", "d_review",
                "d_resolve", "d_township_approve", "d_close_publicity", "township_return",
            ],
            "objections_and_withdrawn_filing": [
                "set_reserve_price", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_close_publicity", "township_approve", "close_deal", "raise_objection", "answer_objection",
                "raise_objection", "objection_upheld",
                {"t": "close_deal", "fields": {"buyer": "某某农业开发有限公司", "price": "38000.00"}}, "close_publicity",
                "sign_contract", "withdraw_contract", "sign_contract", "file_contract",
            ],
            "township_refused": [
                "set_reserve_price", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_close_publicity", "township_refuse",
            ],
            "d_withdraw_return_objections": [
                "set_reserve_price", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_raise_objection", "d_answer_objection", "d_raise_objection", "d_objection_upheld",
            ],
            "d_suspended_then_abandoned": [
                "set_reserve_price", "d_consult", "d_review_fail", "d_revise", "d_consult", "d_review_fail",
                "d_abandon",
            ],
            "d_resolution_failed": ["set_reserve_price", "d_consult", "d_review", "d_resolve_fail"],
            "d_consult_rejected": ["set_reserve_price", "d_consult_reject"],
            "d_objection_escalated": [
                "set_reserve_price", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_escalate_objection", "d_township_order_answer", "d_escalate_objection", "d_township_uphold",
            ],
            "land_to_outsider": {
                "fields": {"disposal_method": "发包", "asset_kind": "农村土地（耕地、林地、草地、“四荒”地等）",
                           "bidder_scope": "允许本集体经济组织以外的单位或个人参与", "asset_name": "五组荒山（ZY-2011-007）"},
                "steps": [
                    "set_reserve_price", "d_consult", "d_review", "d_resolve", "d_township_approve",
                    "d_close_publicity", "government_approve",
                    {"t": "close_deal", "fields": {"buyer": "某某生态农业有限公司", "buyer_is_member": False,
                                                   "credit_checked": True}},
                    "close_publicity", "sign_contract", "file_contract", "archive",
                ],
            },
        },
    },
    "collective_income_distribution": {
        "title": "2024年度收益分配方案",
        "start": {
            "matter": "村股份经济合作社2024年度决算及收益分配",
            "fiscal_year": 2024,
            "distributable_income": "260000.00",
            "distribution_plan": "提取公积公益金30%，其余按股分红",
        },
        "fields": {"decision_body": "集体经济组织成员大会", "paid_total": "182000.00"},
        "paths": {
            "main": [
                "submit_proposal", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "file_plan", "report_payment", "vsc_approve", "archive",
            ],
            "returns_and_withdraw": [
                "submit_proposal", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "township_return", "submit_proposal", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_close_publicity", "file_plan", "report_payment", "withdraw_payment_report", "report_payment",
                "vsc_return", "report_payment", "vsc_approve",
            ],
            "d_withdraw_return_objections": [
                "submit_proposal", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_raise_objection", "d_answer_objection", "d_raise_objection", "d_objection_upheld",
            ],
            "d_suspended_then_abandoned": [
                "submit_proposal", "d_consult", "d_review_fail", "d_revise", "d_consult", "d_review_fail",
                "d_abandon",
            ],
            "d_resolution_failed": ["submit_proposal", "d_consult", "d_review", "d_resolve_fail"],
            "d_consult_rejected": ["submit_proposal", "d_consult_reject"],
            "d_objection_escalated": [
                "submit_proposal", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_escalate_objection", "d_township_order_answer", "d_escalate_objection", "d_township_uphold",
            ],
        },
    },
    "collective_project_initiation": {
        "title": "关于建设村集体光伏电站并对外承包经营的决策",
        "start": {"matter": "村部及小学屋顶分布式光伏电站（120千瓦）", "project_type": "资源开发", "investment": "480000.00"},
        "fields": {
            "decision_body": "集体经济组织成员大会", "base_price": "30000.00", "contract_price": "34000.00",
            "term_years": 10,
        },
        "paths": {
            "main": [
                "study", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "township_approve", "select_contractor", "close_publicity", "sign_contract", "file_contract",
                "archive",
            ],
            "returns_objections_withdraw": [
                "study", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "township_return", "study", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_close_publicity", "township_approve", "select_contractor", "raise_objection",
                "answer_objection", "raise_objection", "objection_upheld",
                {"t": "select_contractor", "fields": {"contractor": "某某新能源有限公司", "contract_price": "35500.00"}},
                "close_publicity", "sign_contract", "withdraw_contract", "sign_contract", "file_contract",
            ],
            "township_refused": [
                "study", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "township_refuse",
            ],
            "d_withdraw_return_objections": [
                "study", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_raise_objection", "d_answer_objection", "d_raise_objection", "d_objection_upheld",
            ],
            "d_suspended_then_abandoned": [
                "study", "d_consult", "d_review_fail", "d_revise", "d_consult", "d_review_fail", "d_abandon",
            ],
            "d_resolution_failed": ["study", "d_consult", "d_review", "d_resolve_fail"],
            "d_consult_rejected": ["study", "d_consult_reject"],
            "d_objection_escalated": [
                "study", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_escalate_objection", "d_township_order_answer", "d_escalate_objection", "d_township_uphold",
            ],
        },
    },
    "dibao_application": {
        "title": "周秀英户申请低保",
        "start": {
            "applicant": "周秀英",
            "applicant_id": "43138119550312002X",
            "household_size": 2,
            "per_capita_income": "320.00",
            "cadre_relative": False,
            "reason": "丈夫患尿毒症长期透析，本人无劳动能力",
        },
        "fields": {},
        "paths": {
            "main": ["accept", "investigate", "township_opinion", "close_notice", "county_confirm", "archive"],
            "supplemented_and_reviewed": [
                "request_materials", "resubmit", "accept", "request_review", "democratic_review",
                "township_opinion", "raise_objection", "democratic_review", "township_opinion", "close_notice",
                "county_confirm",
            ],
            "withdrawn_then_township_refused": [
                "accept", "investigate", "withdraw_investigation", "investigate", "township_refuse",
                "notify_refusal",
            ],
            "county_returned_then_refused": [
                "accept", "investigate", "township_opinion", "close_notice", "county_return", "investigate",
                "township_opinion", "close_notice", "county_refuse", "notify_refusal",
            ],
        },
    },
    "dibao_review_exit": {
        "title": "周秀英户低保定期复核",
        "start": {
            "recipient": "周秀英",
            "recipient_id": "43138119550312002X",
            "trigger": "定期复核到期",
            "review_cycle": "部分丧失劳动能力或患重病（每半年）",
            "current_amount": "500.00",
            "change_summary": "丈夫病情加重，医疗支出增加",
        },
        "fields": {},
        "paths": {
            "main": ["verify", "propose", "close_notice", "county_confirm", "apply_payment", "inform"],
            "stop_after_objections": [
                "verify", "withdraw_verify", "verify",
                {"t": "propose", "fields": {"adjustment": "停发", "new_amount": "0.00"}}, "raise_objection",
                "answer_objection", "raise_objection", "uphold_objection", "verify",
                {"t": "propose", "fields": {"adjustment": "减发", "new_amount": "300.00"}}, "close_notice",
                "county_confirm",
            ],
            "no_change": ["verify", "no_change"],
            "county_returned_then_rejected": [
                "verify", "propose", "close_notice", "county_return", "propose", "close_notice", "county_reject",
            ],
        },
    },
    "dilapidated_house_renovation": {
        "title": "赵桂兰户申请危房改造",
        "start": {
            "applicant": "赵桂兰",
            "applicant_id": "431381194810010061",
            "household_size": 2,
            "target_group": "低保户",
        },
        "fields": {"house_grade": "C级"},
        "paths": {
            "main": [
                "assess", "village_review", "close_village_notice", "township_approve", "close_township_notice",
                "county_approve", "sign_agreement", "complete", "accept",
            ],
            "not_eligible": [{"t": "not_eligible", "fields": {"reject_reason": "入户核实房屋为2015年新建砖混结构，不属于危房"}}],
            "withdrawn_and_village_objections": [
                "assess", "withdraw_assess", {"t": "assess", "fields": {"house_grade": "D级"}}, "village_review",
                "raise_village_objection", "answer_village_objection", "raise_village_objection",
                "uphold_village_objection", "assess", "village_review", "close_village_notice",
            ],
            "township_returned_objections_rejected": [
                "assess", "village_review", "close_village_notice", "township_return", "assess", "village_review",
                "close_village_notice", "township_approve", "raise_township_objection",
                "answer_township_objection", "raise_township_objection", "uphold_township_objection",
                "township_reject",
            ],
            "county_deferred_objections_rejected": [
                "assess", "village_review", "close_village_notice", "township_approve", "close_township_notice",
                "county_return", "township_approve", "close_township_notice", "defer",
                {"t": "resume", "fields": {"quota_year": 2027}}, "county_approve", "raise_county_objection",
                "answer_county_objection", "raise_county_objection", "uphold_county_objection", "county_reject",
            ],
            "acceptance_failed_then_passed": [
                "assess", "village_review", "close_village_notice", "township_approve", "close_township_notice",
                "county_approve", "sign_agreement", "complete", "accept_fail", "complete", "accept",
            ],
        },
    },
    "disability_two_subsidies": {
        "title": "孙建华申请残疾人两项补贴",
        "start": {
            "applicant": "孙建华",
            "applicant_id": "431381197002150043",
            "disability_card_no": "43138119700215004311",
            "disability_grade": "一级",
            "subsidy_type": "两项补贴",
            "hardship": "低保家庭",
        },
        "fields": {},
        "paths": {
            "main": ["township_prelim", "close_notice", "dpf_approve", "civil_approve", "pay"],
            "township_refused": ["township_refuse"],
            "objections": [
                "township_prelim", "raise_objection", "answer_objection", "raise_objection", "uphold_objection",
                "township_prelim", "close_notice",
            ],
            "withdrawn_returned_refused": [
                "township_prelim", "close_notice", "dpf_approve", "withdraw_dpf", "dpf_return", "township_prelim",
                "close_notice", "dpf_approve", "civil_refuse",
            ],
        },
    },
    "dispute_mediation": {
        "title": "邓、谢两户宅基地界址纠纷调解",
        "start": {
            "origin": "当事人申请",
            "party_a": "邓建军",
            "party_b": "谢春生",
            "dispute_type": "宅基地纠纷",
            "dispute_summary": "两户因新建围墙越界约0.5米发生争执",
        },
        "fields": {"both_parties_agree": True},
        "paths": {
            "main": ["assign", "reach_agreement", "start_monitoring", "close"],
            "declined": [

                {"t": "decline", "fields": {"refusal_reason": "谢春生明确表示不接受调解", "routes_told": "告知可向乡镇政府申请处理或向人民法院起诉"}},
            ],
            "withdrawn_then_failed": ["assign", "withdraw_assign", "assign", "terminate"],
            "judicial_then_not_performed": [
                "assign", "reach_agreement", "apply_judicial", "judicial_rejected", "reach_agreement",
                "apply_judicial", "judicial_confirmed", "non_performance",
            ],
        },
    },
    "expenditure_approval": {
        "title": "支付村部水电费及村道维修材料款",
        "start": {"matter": "村道坑洼修补材料款", "purpose": "购买水泥、砂石修补村道"},
        "fields": {"handler": "李四", "witness": "王五", "three_signatures": True},
        "paths": {
            "committee_tier": [
                {"t": "submit_voucher", "fields": {"expense_type": "生产性开支", "amount": "1500.00"}},
                "committee_approve", "vsc_approve", "submit", "agency_approve", "pay", "archive",
            ],
            "chair_tier_with_returns": [
                {"t": "submit_voucher", "fields": {"expense_type": "非生产性开支", "amount": "320.00"}}, "chair_approve",
                "vsc_return", "chair_approve", "vsc_approve", "submit", "withdraw_submission", "submit",
                "agency_return", {"t": "submit_voucher", "fields": {"expense_type": "非生产性开支", "amount": "320.00"}},
                "chair_approve", "vsc_approve", "submit", "agency_approve", "pay",
            ],
            "assembly_tier": [
                {"t": "submit_voucher", "fields": {"expense_type": "基本建设开支", "amount": "36000.00"}},
                "refer_assembly", "assembly_approve", "vsc_approve", "submit", "agency_refer_leader",
                "leader_approve", "pay",
            ],
            "assembly_failed": [
                {"t": "submit_voucher", "fields": {"expense_type": "生产性开支", "amount": "8000.00"}},
                "refer_assembly", "assembly_fail",
            ],
            "leader_refused": [
                {"t": "submit_voucher", "fields": {"expense_type": "基本建设开支", "amount": "12000.00"}},
                "refer_assembly", "assembly_approve", "vsc_approve", "submit", "agency_refer_leader",
                "leader_refuse",
            ],
            "refused": ["submit_voucher", "refuse"],
        },
    },
    "family_planning_reward": {
        "title": "何玉梅申请奖励扶助",
        "start": {
            "applicant": "何玉梅",
            "applicant_id": "431381195809090089",
            "age": 67,
            "rural_resident": True,
            "policy_compliant": True,
            "children_status": "只生育两个女孩",
        },
        "fields": {},
        "paths": {
            "main": [
                "home_survey", "village_review", "close_village_notice", "township_approve",
                "close_township_notice", "county_approve", "close_county_notice", "register", "pay",
            ],
            "survey_refused": ["survey_refuse"],
            "village_objections_township_rejected": [
                "home_survey", "withdraw_survey", "home_survey", "village_review", "raise_village_objection",
                "answer_village_objection", "raise_village_objection", "uphold_village_objection", "home_survey",
                "village_review", "close_village_notice", "township_return", "home_survey", "village_review",
                "close_village_notice", "township_reject",
            ],
            "township_objections_county_rejected": [
                "home_survey", "village_review", "close_village_notice", "township_approve",
                "raise_township_objection", "answer_township_objection", "raise_township_objection",
                "uphold_township_objection", "township_approve", "close_township_notice", "county_return",
                "township_approve", "close_township_notice", "county_reject",
            ],
            "county_objections": [
                "home_survey", "village_review", "close_village_notice", "township_approve",
                "close_township_notice", "county_approve", "raise_county_objection", "answer_county_objection",
                "raise_county_objection", "uphold_county_objection", "county_approve", "close_county_notice",
            ],
        },
    },
    "farmland_subsidy": {
        "title": "石门坎村2026年度耕地地力保护补贴清册",
        "start": {"subsidy_year": 2026, "household_count": 236, "total_area": "1184.36亩"},
        "fields": {"signed_count": 236},
        "paths": {
            "main": ["farmers_sign", "close_notice", "township_verify", "county_confirm", "pay", "archive"],
            "objections_withdraw_returns": [
                "farmers_sign", "raise_objection", "answer_objection", "raise_objection", "uphold_objection",
                "farmers_sign", "close_notice", "township_return", "farmers_sign", "close_notice",
                "township_verify", "withdraw_report", "township_verify", "county_return", "township_verify",
                "county_confirm",
            ],
        },
    },
    "financial_disclosure": {
        "title": "2025年3月财务公开",
        "start": {"period": "2025年3月", "period_type": "月度"},
        "fields": {"total_income": "58600.00", "total_expenditure": "41250.50", "balance": "126480.30"},
        "paths": {
            "main": ["compile", "group_pass", "confirm", "close_posting"],
            "withdraw_return_objections": [
                "compile", "withdraw_compile", "compile", "group_return", "compile", "group_pass", "confirm",
                "raise_objection", "answer_objection", "raise_objection", "objection_upheld", "compile",
                "group_pass", "confirm",
            ],
        },
    },
    "goods_services_procurement": {
        "title": "采购村部办公及便民服务设备",
        "start": {"matter": "村便民服务中心办公设备采购", "category": "物资"},
        "fields": {"quotes_count": 3, "vsc_present": True},
        "paths": {
            "quotation_band": [
                {"t": "set_budget", "fields": {"amount": "18000.00", "specification": "电脑3台、打印机1台"}},
                "committee_decide",
                {"t": "select_supplier", "fields": {"supplier": "某某电脑经营部", "price": "17200.00"}},
                "close_publicity", "sign_contract", "deliver", "accept",
                {"t": "reimburse", "fields": {"reimbursed_amount": "17200.00"}}, "archive",
            ],
            "direct_band_with_rejected_delivery": [
                {"t": "set_budget", "fields": {"amount": "1500.00"}},
                {"t": "direct_purchase", "fields": {"supplier": "某某五金店", "price": "1460.00", "handler": "李四", "witness": "王五"}},
                "reject_delivery", "deliver", "accept",
                {"t": "reimburse", "fields": {"reimbursed_amount": "1460.00"}},
            ],
            "platform_band_withdraw_and_objections": [
                {"t": "set_budget", "fields": {"amount": "120000.00", "specification": "村级垃圾转运车1辆"}},
                "committee_decide",
                {"t": "platform_select", "fields": {"supplier": "某某环卫设备有限公司", "price": "116000.00"}},
                "withdraw_selection",
                {"t": "platform_select", "fields": {"supplier": "某某环卫设备有限公司", "price": "115000.00"}},
                "raise_objection", "answer_objection", "raise_objection", "objection_upheld",
                {"t": "platform_select", "fields": {"supplier": "另一环卫设备公司", "price": "118000.00"}},
                "close_publicity", "sign_contract",
            ],
            "refused": [{"t": "set_budget", "fields": {"amount": "6000.00"}}, "decide_reject"],
        },
    },
    "hukou_service": {
        "title": "陈志强为新生儿申请户口登记代办",
        "start": {
            "applicant": "陈志强",
            "applicant_id": "431381198511200058",
            "request": "为2026年2月出生的女儿办理出生登记",
            "subject_name": "陈小雨",
            "event_date": "2026-02-10",
        },
        "fields": {},
        "paths": {
            "birth": [{"t": "relay_birth", "fields": {"case_type": "出生登记"}}, "police_register", "archive"],
            "death_withdrawn_returned": [
                {"t": "relay_death", "fields": {"case_type": "死亡注销"}}, "withdraw_relay",
                {"t": "relay_death", "fields": {"case_type": "死亡注销"}}, "police_return",
                {"t": "relay_death", "fields": {"case_type": "死亡注销"}}, "police_register",
            ],
            "move": [
                {"t": "relay_move", "fields": {"case_type": "户口迁移", "move_direction": "迁出"}}, "issue_permit",
                "complete_move", "archive",
            ],
            "refused": [
                {"t": "relay_move", "fields": {"case_type": "户口迁移", "move_direction": "迁入"}},
                {"t": "police_refuse", "fields": {"refusal_reason": "迁入地不符合落户条件"}},
            ],
        },
    },
    "land_compensation_distribution": {
        "title": "关于县道拓宽工程征地补偿费分配",
        "start": {"matter": "县道拓宽工程征收三组耕地12.6亩", "acquisition_doc": "湘政地〔2024〕第123号", "amount": "756000.00"},
        "fields": {
            "decision_body": "集体经济组织成员大会",
            "eligible_members": 420,
            "collective_share": "151200.00",
            "member_share": "604800.00",
            "per_member": "1440.00",
            "roster_total": "604800.00",
            "paid_amount": "604800.00",
        },
        "paths": {
            "main": [
                "confirm_members", "draft_plan", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_close_publicity", "submit_roster", "pay", "archive",
            ],
            "returns_and_withdraw": [
                "confirm_members", "recheck_members", "confirm_members", "draft_plan", "d_consult", "d_review",
                "d_resolve", "d_township_approve", "d_close_publicity", "submit_roster", "withdraw_roster",
                "submit_roster", "return_roster", "submit_roster", "pay",
            ],
            "d_withdraw_return_objections": [
                "confirm_members", "draft_plan", "d_consult", "d_withdraw_consult", "d_consult", "d_review",
                "d_resolve", "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_raise_objection", "d_answer_objection", "d_raise_objection", "d_objection_upheld",
            ],
            "d_suspended_then_abandoned": [
                "confirm_members", "draft_plan", "d_consult", "d_review_fail", "d_revise", "d_consult",
                "d_review_fail", "d_abandon",
            ],
            "d_resolution_failed": ["confirm_members", "draft_plan", "d_consult", "d_review", "d_resolve_fail"],
            "d_consult_rejected": ["confirm_members", "draft_plan", "d_consult_reject"],
            "d_objection_escalated": [
                "confirm_members", "draft_plan", "d_consult", "d_withdraw_consult", "d_consult", "d_review",
                "d_resolve", "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_raise_objection", "d_escalate_objection", "d_township_order_answer", "d_escalate_objection",
                "d_township_uphold",
            ],
        },
    },
    "land_contracting_plan": {
        "title": "五组机动地发包",
        "start": {"matter": "五组集体机动地发包", "working_group": "张某（组长）、李某、王某、赵某、刘某"},
        "fields": {"credit_checked": True, "contract_count": 12},
        "paths": {
            "members_main": [
                {"t": "draft_plan", "fields": {"plan_type": "本集体成员承包", "land_area": "五组机动地36亩"}}, "d_consult",
                "d_review", "d_resolve", "d_township_approve", "d_close_publicity", "start_signing",
                "sign_contracts", "file_contracts", "vsc_approve", "archive",
            ],
            "result_returned": [
                {"t": "draft_plan", "fields": {"plan_type": "本集体成员承包", "land_area": "五组机动地36亩"}}, "d_consult",
                "d_review", "d_resolve", "d_township_approve", "d_close_publicity", "start_signing",
                "sign_contracts", "file_contracts", "vsc_return", "sign_contracts", "file_contracts", "vsc_approve",
            ],
            "outsider_with_withdraw_and_return": [
                {"t": "draft_plan", "fields": {"plan_type": "向本集体以外单位或个人发包", "land_area": "五组荒坡地80亩"}},
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity", "report_township",
                "withdraw_report", "report_township", "township_return", "report_township", "township_approve",
                {"t": "sign_contracts", "fields": {"contract_count": 1}},
            ],
            "outsider_refused": [
                {"t": "draft_plan", "fields": {"plan_type": "向本集体以外单位或个人发包"}}, "d_consult", "d_review",
                "d_resolve", "d_township_approve", "d_close_publicity", "report_township", "township_refuse",
            ],
            "adjustment_approved": [
                {"t": "draft_plan", "fields": {"plan_type": "个别承包地调整", "land_area": "因修路被占的三户承包地4.2亩"}},
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity", "report_township",
                "township_forward", "county_approve", {"t": "sign_contracts", "fields": {"contract_count": 3}},
            ],
            "adjustment_refused_by_county": [
                {"t": "draft_plan", "fields": {"plan_type": "个别承包地调整"}}, "d_consult", "d_review", "d_resolve",
                "d_township_approve", "d_close_publicity", "report_township", "township_forward", "county_refuse",
            ],
            "d_withdraw_return_objections": [
                "draft_plan", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_raise_objection", "d_answer_objection", "d_raise_objection", "d_objection_upheld",
            ],
            "d_suspended_then_abandoned": [
                "draft_plan", "d_consult", "d_review_fail", "d_revise", "d_consult", "d_review_fail", "d_abandon",
            ],
            "d_resolution_failed": ["draft_plan", "d_consult", "d_review", "d_resolve_fail"],
            "d_consult_rejected": ["draft_plan", "d_consult_reject"],
            "d_objection_escalated": [
                "draft_plan", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_escalate_objection", "d_township_order_answer", "d_escalate_objection", "d_township_uphold",
            ],
        },
    },
    "major_decision_4y2g": {
        "title": "关于修建村组道路的决策",
        "start": {"matter": "修建二组至三组村组道路1.2公里", "amount": "85000.00"},
        "fields": {},
        "paths": {
            "main": [
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity", "complete",
                "vsc_approve", "archive",
            ],
            "withdraw_and_redo": ["d_consult", "d_withdraw_consult", "d_consult", "d_review"],
            "consult_rejected": ["d_consult_reject"],
            "suspended_revised": [
                "d_consult", "d_review_fail", "d_revise", "d_consult", "d_review_fail", "d_abandon",
            ],
            "resolution_failed": ["d_consult", "d_review", "d_resolve_fail"],
            "township_returned": ["d_consult", "d_review", "d_resolve", "d_township_return"],
            "objection_answered": [
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_answer_objection", "d_close_publicity",
            ],
            "objection_upheld": [
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_objection_upheld",
            ],
            "result_returned": [
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity", "complete",
                "vsc_return", "complete", "vsc_approve",
            ],
            "d_objection_escalated": [
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_escalate_objection", "d_township_order_answer", "d_escalate_objection", "d_township_uphold",
            ],
            "land_to_outsider": {
                "fields": {"item": "村集体资产资源处置", "counterparty": "本集体经济组织以外的单位或个人",
                           "involves_land": True, "matter": "五组荒山40亩发包给某某生态农业有限公司"},
                "steps": [
                    "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                    "report_township", {"t": "township_approve", "fields": {"credit_checked": True}}, "complete",
                    "vsc_approve", "archive",
                ],
            },
            "land_to_outsider_refused": {
                "fields": {"item": "村集体资产资源处置", "counterparty": "本集体经济组织以外的单位或个人",
                           "involves_land": True, "matter": "三组耕地25亩发包给外村养殖户"},
                "steps": [
                    "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                    "report_township", "township_refuse",
                ],
            },
        },
    },
    "poverty_registration_entry": {
        "title": "李建国户申请建档立卡",
        "start": {
            "applicant": "李建国",
            "applicant_id": "431381197002150043",
            "household_size": 4,
            "per_capita_income": "2800.00",
            "poverty_cause": "因病",
        },
        "fields": {},
        "paths": {
            "main": [
                "group_review", "verify", "rep_review", "close_first_notice", "township_approve",
                "close_second_notice", "county_approve", "register", "assign_helper",
            ],
            "group_rejected": [{"t": "group_reject", "fields": {"reject_reason": "小组评议认为家庭收入高于扶贫标准"}}],
            "withdrawn_then_excluded": [
                "group_review", "verify", "withdraw_verify", "verify",
                {"t": "exclude", "fields": {"reject_reason": "复核发现家庭成员在县城购有商品房"}},
            ],
            "first_notice_objections": [
                "group_review", "verify", "rep_review", "raise_first_objection", "answer_first_objection",
                "raise_first_objection", "uphold_first_objection", "verify", "rep_review", "close_first_notice",
            ],
            "township_returned_then_rejected": [
                "group_review", "verify", "rep_review", "close_first_notice", "township_return", "verify",
                "rep_review", "close_first_notice", "township_reject",
            ],
            "second_notice_objections": [
                "group_review", "verify", "rep_review", "close_first_notice", "township_approve",
                "raise_second_objection", "answer_second_objection", "raise_second_objection",
                "uphold_second_objection", "township_approve", "close_second_notice",
            ],
            "county_returned_then_rejected": [
                "group_review", "verify", "rep_review", "close_first_notice", "township_approve",
                "close_second_notice", "county_return", "township_approve", "close_second_notice", "county_reject",
            ],
        },
    },
    "poverty_registration_exit": {
        "title": "王德胜户拟退出",
        "start": {
            "applicant": "王德胜",
            "applicant_id": "43138119620708003X",
            "household_size": 3,
            "per_capita_income": "9600.00",
        },
        "fields": {"assurances_met": True, "household_agrees": True, "exit_year": 2026},
        "paths": {
            "main": [
                "democratic_review", "verify", "close_first_notice", "township_approve", "close_second_notice",
                "county_approve", "deregister",
            ],
            "review_failed": ["review_fail"],
            "withdrawn_then_verify_failed": [
                "democratic_review", "withdraw_review", "democratic_review", "verify_fail",
            ],
            "first_notice_objections": [
                "democratic_review", "verify", "raise_first_objection", "answer_first_objection",
                "raise_first_objection", "uphold_first_objection", "verify", "close_first_notice",
            ],
            "township_returned_then_rejected": [
                "democratic_review", "verify", "close_first_notice", "township_return", "verify",
                "close_first_notice", "township_reject",
            ],
            "second_notice_objections": [
                "democratic_review", "verify", "close_first_notice", "township_approve", "raise_second_objection",
                "answer_second_objection", "raise_second_objection", "uphold_second_objection", "township_approve",
                "close_second_notice",
            ],
            "county_returned_then_rejected": [
                "democratic_review", "verify", "close_first_notice", "township_approve", "close_second_notice",
                "county_return", "township_approve", "close_second_notice", "county_reject",
            ],
        },
    },
    "relocation_poverty_alleviation": {
        "title": "刘长青户申请易地扶贫搬迁",
        "start": {
            "applicant": "刘长青",
            "applicant_id": "431381198511200058",
            "household_size": 5,
            "registered_poor": True,
            "voluntary": True,
            "living_condition": "居住在高寒山区，无饮用水源，山体滑坡隐患",
        },
        "fields": {"demolition_agreed": True},
        "paths": {
            "main": [
                "village_review", "close_notice", "township_report", "county_approve", "record_upper_approval",
                "sign_agreement", "move_in", "verify_demolition", "pay_subsidy", "archive",
            ],
            "village_rejected": ["village_reject"],
            "objections": [
                "village_review", "raise_objection", "answer_objection", "raise_objection", "uphold_objection",
                "village_review", "close_notice",
            ],
            "township_returned_then_rejected": [
                "village_review", "close_notice", "township_return", "village_review", "close_notice",
                "township_reject",
            ],
            "withdrawn_returned_rejected": [
                "village_review", "close_notice", "township_report", "withdraw_report", "township_report",
                "county_return", "township_report", "county_reject",
            ],
            "upper_rejected": [
                "village_review", "close_notice", "township_report", "county_approve", "upper_reject",
            ],
            "dropped_out": [
                "village_review", "close_notice", "township_report", "county_approve", "record_upper_approval",
                "drop_out",
            ],
        },
    },
    "resident_medical_insurance": {
        "title": "曾凡林户2027年度医保参保",
        "start": {
            "applicant": "曾凡林",
            "applicant_id": "431381197002150043",
            "insured_count": 4,
            "coverage_year": 2027,
        },
        "fields": {},
        "paths": {
            "main": [

                {"t": "submit", "fields": {"subsidy_category": "无", "premium_paid": "1600.00", "receipt_no": "HN2027-000123"}},
                "township_submit", "county_register",
            ],
            "subsidised_with_objections": [
                {"t": "submit", "fields": {"subsidy_category": "低保对象", "premium_paid": "0.00"}}, "township_submit",
                "county_register_subsidised", "raise_objection", "answer_objection", "raise_objection",
                "uphold_objection", {"t": "submit", "fields": {"subsidy_category": "防返贫监测对象"}}, "township_submit",
                "county_register_subsidised", "close_notice",
            ],
            "withdrawn_returned_refused": [
                "submit", "withdraw_submit", "submit", "township_return", "submit", "township_submit",
                "county_return", "township_submit", "county_refuse",
            ],
        },
    },
    "resident_pension": {
        "title": "唐福生办理城乡居民养老保险",
        "start": {
            "applicant": "唐福生",
            "applicant_id": "431381196604040090",
            "age": 60,
            "in_employee_scheme": False,
            "full_time_student": False,
        },
        "fields": {"contribution_years": 15},
        "paths": {
            "enrolment": [
                {"t": "submit_enrolment", "fields": {"application_type": "参保登记", "contribution_grade": "300.00"}},
                "township_submit", "county_register",
            ],
            "benefit": [
                {"t": "verify_benefit", "fields": {"application_type": "待遇领取"}}, "close_notice", "township_submit",
                "county_approve_benefit", "first_payment",
            ],
            "benefit_objections_refused": [
                {"t": "verify_benefit", "fields": {"application_type": "待遇领取"}}, "raise_objection",
                "answer_objection", "raise_objection", "uphold_objection",
                {"t": "verify_benefit", "fields": {"application_type": "待遇领取"}}, "close_notice", "township_return",
                {"t": "verify_benefit", "fields": {"application_type": "待遇领取"}}, "close_notice", "township_refuse",
            ],
            "enrolment_withdrawn_refused": [
                {"t": "submit_enrolment", "fields": {"application_type": "参保登记"}}, "township_submit",
                "withdraw_submit", "township_submit", "county_return", "township_submit", "county_refuse",
            ],
        },
    },
    "rural_housing_homestead": {
        "title": "黄志明户分户建房申请宅基地",
        "start": {
            "applicant": "黄志明",
            "applicant_id": "431381198511200058",
            "household_size": 3,
            "build_reason": "分户新建",
            "site_location": "三组老屋场东侧，东至机耕道，南至黄姓责任田，西至山脚，北至水渠",
            "site_area": 120,
            "floor_area": 240,
            "owns_homestead": False,
            "sold_house_before": False,
        },
        "fields": {},
        "paths": {
            "main": [
                "group_agree", "village_review", "submit", "inspect", "approve", "stake_out", "complete",
                "check_completion",
            ],
            "group_rejected": ["group_reject"],
            "withdrawn_returned_objections_refused": [
                "group_agree", "withdraw_group", "group_agree", "village_return", "group_agree", "village_review",
                "raise_objection", "answer_objection", "raise_objection", "uphold_objection", "village_review",
                "submit", "township_return", "village_review", "submit", "inspect", "refuse",
            ],
            "completion_returned": [
                "group_agree", "village_review", "submit", "inspect", "approve", "stake_out", "complete",
                "completion_return", "complete", "check_completion",
            ],
        },
    },
    "seal_management": {
        "title": "村民委员会印章用印申请",
        "start": {
            "matter": "与某某农业公司签订土地流转服务协议",
            "document_title": "土地流转服务协议",
            "document_kind": "合同协议",
            "seal_type": "村民委员会印章",
            "copies": 2,
        },
        "fields": {"approver_name": "张书记", "keeper_name": "王文书"},
        "paths": {
            "main": ["approve", "stamp", "archive"],
            "withdrawn_and_returned": [
                "approve", "withdraw_approval", "approve", "return_to_approver", "approve", "stamp",
            ],
            "refused": ["refuse"],
        },
    },
    "tekun_support": {
        "title": "吴老四申请特困供养",
        "start": {"applicant": "吴老四", "applicant_id": "431381194810010061", "category": "老年人（60周岁以上）"},
        "fields": {"three_nos": True},
        "paths": {
            "main": [
                "investigate", "democratic_review", "close_notice", "township_approve", "county_approve",
                "report_ineligible", "exit_township", "exit_county", "archive",
            ],
            "objections": [
                "investigate", "democratic_review", "raise_objection", "answer_objection", "raise_objection",
                "uphold_objection", "investigate", "democratic_review", "close_notice",
            ],
            "refused_on_investigation": [{"t": "township_refuse", "fields": {"refusal_reason": "其子在县城务工，具有赡养能力"}}],
            "township_returned_then_refused": [
                "investigate", "democratic_review", "close_notice", "township_return", "investigate",
                "democratic_review", "close_notice", "township_refuse",
            ],
            "withdrawn_returned_refused": [
                "investigate", "democratic_review", "close_notice", "township_approve", "withdraw_report",
                "township_approve", "county_return", "township_approve", "county_refuse",
            ],
            "exit_returns": [
                "investigate", "democratic_review", "close_notice", "township_approve", "county_approve",
                {"t": "report_ineligible", "fields": {"exit_reason": "法定义务人具有了履行能力"}}, "exit_township_return",
                {"t": "report_ineligible", "fields": {"exit_reason": "死亡"}}, "exit_township", "exit_county_return",
                "exit_township", "exit_county",
            ],
        },
    },
    "temporary_assistance": {
        "title": "郑小军家遭遇火灾申请临时救助",
        "start": {
            "applicant": "郑小军",
            "applicant_id": "431381198511200058",
            "cause": "火灾交通事故等意外事件",
            "cause_detail": "住房失火，家具、口粮全部烧毁",
            "requested_amount": "2000.00",
            "assisted_same_cause_this_year": False,
        },
        "fields": {"investigators": 3},
        "paths": {
            "main": ["investigate", "democratic_review", "close_notice", "township_approve", "pay", "archive"],
            "emergency_pay_first": ["pay_first", "complete_paperwork", "archive"],
            "withdrawn_objections_county": [
                "investigate", "withdraw_investigation", "investigate", "democratic_review", "raise_objection",
                "answer_objection", "raise_objection", "uphold_objection",
                {"t": "investigate", "fields": {"approved_amount": "5000.00"}}, "democratic_review",
                "close_notice", "county_approve", "pay",
            ],
            "refused_on_investigation": ["investigate_refuse"],
            "returned_then_refused": [
                "investigate", "democratic_review", "close_notice", "return_investigation", "investigate",
                "democratic_review", "close_notice", "refuse",
            ],
        },
    },
    "village_affairs_disclosure": {
        "title": "2025年第一季度村务公开",
        "start": {"matter": "2025年第一季度村务公开", "disclosure_kind": "季度定期公开"},
        "fields": {},
        "paths": {
            "main": ["submit_plan", "vsc_pass", "joint_approve", "close_posting"],
            "withdraw_return_repost_objection": [
                "submit_plan", "withdraw_plan", "submit_plan", "vsc_return", "submit_plan", "vsc_pass",
                "joint_approve", "repost", "raise_objection", "answer_objection", "close_posting",
            ],
            "escalated": [
                "submit_plan", "vsc_pass", "joint_approve", "raise_objection", "escalate", "dismiss",
                "raise_objection", "escalate", "order_correction",
            ],
        },
    },
    "village_debt_borrowing": {
        "title": "关于贷款建设村集体冷库的决策",
        "start": {
            "matter": "贷款建设村集体果蔬冷库",
            "debt_type": "银行贷款",
            "purpose_type": "生产经营性",
            "amount": "300000.00",
            "counterparty": "某某农村商业银行",
        },
        "fields": {"repayment_years": 3},
        "paths": {
            "main": [
                "propose", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "township_approve", "sign_contract", "register_debt", "archive",
            ],
            "returns_and_withdraw": [
                "propose", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "township_return", "propose", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_close_publicity", "township_approve", "sign_contract", "withdraw_contract", "sign_contract",
                "register_debt",
            ],
            "township_refused": [
                "propose", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "township_refuse",
            ],
            "d_withdraw_return_objections": [
                "propose", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_raise_objection", "d_answer_objection", "d_raise_objection", "d_objection_upheld",
            ],
            "d_suspended_then_abandoned": [
                "propose", "d_consult", "d_review_fail", "d_revise", "d_consult", "d_review_fail", "d_abandon",
            ],
            "d_resolution_failed": ["propose", "d_consult", "d_review", "d_resolve_fail"],
            "d_consult_rejected": ["propose", "d_consult_reject"],
            "d_objection_escalated": [
                "propose", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_escalate_objection", "d_township_order_answer", "d_escalate_objection", "d_township_uphold",
            ],
        },
    },
    "village_works_below_threshold": {
        "title": "关于硬化三组通组道路的项目",
        "start": {
            "matter": "三组通组道路硬化0.8公里",
            "amount": "88000.00",
            "related_amount": "0.00",
            "funding_source": "村集体经济收入及上级奖补资金",
        },
        "fields": {"vsc_informed": True, "vsc_present": True, "bidder_count": 3},
        "paths": {
            "main_committee_tier": [
                "submit_budget", {"t": "review_cost", "fields": {"reviewed_amount": "42000.00"}},
                "committee_decide",
                {"t": "select_contractor", "fields": {"selection_way": "比选", "contractor": "某某建筑劳务有限公司", "contract_price": "41000.00"}},
                "close_publicity", "sign_contract", "complete_works", "accept_works",
                {"t": "settle", "fields": {"settled_amount": "40800.00"}}, "archive",
            ],
            "budget_withdrawn_and_returned": [
                "submit_budget", "withdraw_budget", "submit_budget", "return_budget", "submit_budget",
                "review_cost",
            ],
            "council_tier_with_objection_and_rectification": [
                "submit_budget", {"t": "review_cost", "fields": {"reviewed_amount": "85000.00"}}, "refer_council",
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                {"t": "select_contractor", "fields": {"selection_way": "现场竞标", "contract_price": "83000.00"}},
                "raise_objection", "answer_objection", "raise_objection", "objection_upheld",
                {"t": "select_contractor", "fields": {"selection_way": "现场竞标", "contract_price": "82500.00"}},
                "close_publicity", "sign_contract", "complete_works", "rectify", "complete_works", "accept_works",
                {"t": "settle", "fields": {"settled_amount": "82500.00"}}, "archive",
            ],
            "council_withdraw_return_objections": [
                "submit_budget", {"t": "review_cost", "fields": {"reviewed_amount": "85000.00"}}, "refer_council",
                "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve", "d_township_return",
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_answer_objection", "d_raise_objection", "d_objection_upheld",
            ],
            "council_suspended_then_abandoned": [
                "submit_budget", {"t": "review_cost", "fields": {"reviewed_amount": "85000.00"}}, "refer_council",
                "d_consult", "d_review_fail", "d_revise", "d_consult", "d_review_fail", "d_abandon",
            ],
            "council_resolution_failed": [
                "submit_budget", {"t": "review_cost", "fields": {"reviewed_amount": "85000.00"}}, "refer_council",
                "d_consult", "d_review", "d_resolve_fail",
            ],
            "council_consult_rejected": [
                "submit_budget", {"t": "review_cost", "fields": {"reviewed_amount": "85000.00"}}, "refer_council",
                "d_consult_reject",
            ],
            "committee_rejected": ["submit_budget", "review_cost", "decide_reject"],
            "d_objection_escalated": [
                "submit_budget", {"t": "review_cost", "fields": {"reviewed_amount": "85000.00"}}, "refer_council",
                "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve", "d_township_return",
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_escalate_objection", "d_township_order_answer", "d_escalate_objection", "d_township_uphold",
            ],
        },
    },
    "village_works_open_tender": {
        "title": "关于新建村级综合服务中心的决策",
        "start": {"matter": "新建村级综合服务中心（两层，建筑面积600平方米）", "amount": "350000.00", "funding_source": "上级专项资金及村集体自筹"},
        "fields": {
            "reviewed_amount": "340000.00",
            "contract_price": "318000.00",
            "bidder_count": 5,
            "vsc_present": True,
        },
        "paths": {
            "main": [
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity", "approve_project",
                "review_cost", "register_tender", "open_bids", "evaluate", "award", "sign_contract",
                "complete_works", "accept_works", {"t": "settle", "fields": {"audited_amount": "316500.00"}},
                "archive",
            ],
            "tender_branches": [
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity", "approve_project",
                "review_cost", "register_tender", "withdraw_tender", "register_tender",
                {"t": "open_bids", "fields": {"bidder_count": 2}}, "retender", "open_bids", "evaluate",
                "raise_objection", "answer_objection", "raise_objection", "objection_upheld", "evaluate", "award",
                "sign_contract", "complete_works", "rectify", "complete_works", "accept_works", "settle",
            ],
            "township_refused": [
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity", "refuse_project",
            ],
            "d_withdraw_return_objections": [
                "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve", "d_township_return",
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_answer_objection", "d_raise_objection", "d_objection_upheld",
            ],
            "d_suspended_then_abandoned": [
                "d_consult", "d_review_fail", "d_revise", "d_consult", "d_review_fail", "d_abandon",
            ],
            "d_resolution_failed": ["d_consult", "d_review", "d_resolve_fail"],
            "d_consult_rejected": ["d_consult_reject"],
            "d_objection_escalated": [
                "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve", "d_township_return",
                "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_escalate_objection", "d_township_order_answer", "d_escalate_objection", "d_township_uphold",
            ],
        },
    },
    "yishiyiyi_fundraising": {
        "title": "关于四组机耕道维修一事一议筹资筹劳",
        "start": {
            "matter": "四组机耕道维修1.5公里",
            "proposed_by": "村民委员会",
            "project_budget": "42000.00",
            "per_capita_amount": "15.00",
            "labour_days": 5,
        },
        "fields": {},
        "paths": {
            "main": [
                "canvass", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "report", "county_approve",
                {"t": "collect", "fields": {"collected_amount": "6300.00", "collected_labour": 900}}, "complete",
                "audit_pass", "archive",
            ],
            "county_and_audit_returns": [
                "canvass", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_close_publicity",
                "report", "withdraw_report", "report", "county_return", "canvass", "d_consult", "d_review",
                "d_resolve", "d_township_approve", "d_close_publicity", "report", "county_approve", "collect",
                "complete", "audit_return", "complete", "audit_pass",
            ],
            "d_withdraw_return_objections": [
                "canvass", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve",
                "d_raise_objection", "d_answer_objection", "d_raise_objection", "d_objection_upheld",
            ],
            "d_suspended_then_abandoned": [
                "canvass", "d_consult", "d_review_fail", "d_revise", "d_consult", "d_review_fail", "d_abandon",
            ],
            "d_resolution_failed": ["canvass", "d_consult", "d_review", "d_resolve_fail"],
            "d_consult_rejected": ["canvass", "d_consult_reject"],
            "d_objection_escalated": [
                "canvass", "d_consult", "d_withdraw_consult", "d_consult", "d_review", "d_resolve",
                "d_township_return", "d_consult", "d_review", "d_resolve", "d_township_approve", "d_raise_objection",
                "d_escalate_objection", "d_township_order_answer", "d_escalate_objection", "d_township_uphold",
            ],
        },
    },
}
