"""The dashboard's queries compiled for SQLite (services.dashboard_sql), for the first screen.

Written by tools/compile_queries.py; tests/test_firstscreen.py fails when it is out of date."""

REVISION = '0013'

QUERIES = {'accounts.balance': ('SELECT accounts.balance_cents \n'
                      'FROM accounts \n'
                      'WHERE accounts.owner_id = :actor AND accounts.kind = :kind',
                      {},
                      ('',)),
 'accounts.held': ('SELECT coalesce(sum(accounts.balance_cents), :coalesce_2) AS coalesce_1 \n'
                   'FROM accounts \n'
                   'WHERE accounts.owner_id = :actor AND accounts.kind IN (__[POSTCOMPILE_kind_1])',
                   {'coalesce_2': 0, 'kind_1': ['available', 'frozen']},
                   ('',)),
 'accounts.revenue': ('SELECT accounts.balance_cents \n'
                      'FROM accounts \n'
                      'WHERE accounts.owner_id IS NULL AND accounts.kind = :kind_1',
                      {'kind_1': 'platform_revenue'},
                      ('',)),
 'agencies.registered': ('SELECT agencies.registered \nFROM agencies \nWHERE agencies.user_id = :actor',
                         {},
                         ('bool',)),
 'audit.actions_of': ('SELECT DISTINCT audit_log.action \nFROM audit_log \nWHERE audit_log.actor_id = :actor',
                      {},
                      ('',)),
 'audit.count_between': ('SELECT count(*) AS count_1 \n'
                         'FROM audit_log \n'
                         'WHERE audit_log.at >= :start AND audit_log.at < :end',
                         {},
                         ('',)),
 'bindings.creator_invited': ('SELECT count(*) AS count_1 \n'
                              'FROM creator_bindings \n'
                              'WHERE creator_bindings.creator_id = :actor AND creator_bindings.status = '
                              ':status_1',
                              {'status_1': 'invited'},
                              ('',)),
 'bindings.creators_of_agency': ('SELECT count(*) AS count_1 \n'
                                 'FROM creator_bindings \n'
                                 'WHERE creator_bindings.agency_id = :actor AND creator_bindings.status = '
                                 ':status',
                                 {},
                                 ('',)),
 'bindings.merchant_invited': ('SELECT count(*) AS count_1 \n'
                               'FROM store_bindings JOIN stores ON stores.id = store_bindings.store_id \n'
                               'WHERE stores.merchant_id = :actor AND store_bindings.status = :status_1',
                               {'status_1': 'invited'},
                               ('',)),
 'bindings.stores_of_agency': ('SELECT count(*) AS count_1 \n'
                               'FROM store_bindings \n'
                               'WHERE store_bindings.agency_id = :actor AND store_bindings.status = :status',
                               {},
                               ('',)),
 'complaints.open': ('SELECT count(*) AS count_1 \nFROM complaints \nWHERE complaints.status = :status_1',
                     {'status_1': 'open'},
                     ('',)),
 'creators.by_ids': ('SELECT creators.user_id, creators.nickname, creators.avg_viewers, creators.fans, '
                     'creators.quote_cents, creators.level_v, creators.level_l, creators.categories, '
                     'creators.bio \n'
                     'FROM creators \n'
                     'WHERE creators.user_id IN (__[POSTCOMPILE_ids])',
                     {},
                     ('', '', '', '', '', '', '', '', '')),
 'creators.categories': ('SELECT creators.categories \nFROM creators \nWHERE creators.user_id = :actor',
                         {},
                         ('',)),
 'creators.eligible': ('SELECT creators.user_id, creators.avg_viewers, creators.fans, creators.categories \n'
                       'FROM creators JOIN users ON users.id = creators.user_id \n'
                       'WHERE users.verified IS 1 AND creators.resting IS 0 AND creators.level_v >= '
                       ':min_level ORDER BY creators.avg_viewers DESC, creators.user_id\n'
                       ' LIMIT :limit OFFSET :param_1',
                       {'param_1': 0},
                       ('', '', '', '')),
 'creators.level_v': ('SELECT creators.level_v \nFROM creators \nWHERE creators.user_id = :actor', {}, ('',)),
 'creators.max_fans': ('SELECT max(creators.fans) AS max_1 \nFROM creators', {}, ('',)),
 'disputes.open': ('SELECT count(*) AS count_1 \nFROM disputes \nWHERE disputes.status = :status_1',
                   {'status_1': 'open'},
                   ('',)),
 'income.postings_since': ('SELECT coalesce(sum(postings.amount_cents), :coalesce_2) AS coalesce_1 \n'
                           'FROM postings JOIN journals ON journals.id = postings.journal_id JOIN accounts '
                           'ON accounts.id = postings.account_id \n'
                           'WHERE accounts.owner_id = :actor AND accounts.kind = :kind_1 AND '
                           'postings.amount_cents > :amount_cents_1 AND journals.kind != :kind_2 AND '
                           'journals.at >= :since',
                           {'amount_cents_1': 0, 'coalesce_2': 0, 'kind_1': 'available', 'kind_2': 'top_up'},
                           ('',)),
 'income.slots_since': ('SELECT coalesce(sum(income_slots.amount_cents), :coalesce_2) AS coalesce_1 \n'
                        'FROM income_slots JOIN accounts ON accounts.id = income_slots.account_id \n'
                        'WHERE accounts.owner_id = :actor AND accounts.kind = :kind_1 AND '
                        'income_slots.slot_at >= :since',
                        {'coalesce_2': 0, 'kind_1': 'available'},
                        ('',)),
 'intents.open': ('SELECT count(*) AS count_1 \n'
                  'FROM intents \n'
                  'WHERE intents.merchant_id = :actor AND intents.status = :status_1',
                  {'status_1': 'open'},
                  ('',)),
 'merchant_records.by_ids': ('SELECT merchant_records.merchant_id, merchant_records.invitations_due, '
                             'merchant_records.answered_in_time, merchant_records.checks_due, '
                             'merchant_records.paid_in_time, merchant_records.samples_shipped, '
                             'merchant_records.sample_problems, merchant_records.ratings, '
                             'merchant_records.rating_sum \n'
                             'FROM merchant_records \n'
                             'WHERE merchant_records.merchant_id IN (__[POSTCOMPILE_ids])',
                             {},
                             ('', '', '', '', '', '', '', '', '')),
 'notifications.unread': ('SELECT count(*) AS count_1 \n'
                          'FROM notifications \n'
                          'WHERE notifications.user_id = :actor AND notifications.read_at IS NULL AND '
                          'notifications.hidden_at IS NULL',
                          {},
                          ('',)),
 'orders.complainable': ('SELECT count(*) AS count_1 \n'
                         'FROM coop_orders \n'
                         'WHERE coop_orders.merchant_id = :actor AND coop_orders.status = :status_1 AND '
                         '(coop_orders.id NOT IN (SELECT complaints.order_id \n'
                         'FROM complaints))',
                         {'status_1': 'overdue'},
                         ('',)),
 'orders.creator_deliveries': ('SELECT count(*) AS count_1 \n'
                               'FROM coop_orders \n'
                               'WHERE coop_orders.creator_id = :actor AND coop_orders.status IN '
                               '(__[POSTCOMPILE_status_1])',
                               {'status_1': ['scheduled', 'confirmed']},
                               ('',)),
 'orders.creator_status': ('SELECT count(*) AS count_1 \n'
                           'FROM coop_orders \n'
                           'WHERE coop_orders.creator_id = :actor AND coop_orders.status = :status',
                           {},
                           ('',)),
 'orders.delivered_by_creator': ('SELECT coop_orders.creator_id, count(*) AS count_1 \n'
                                 'FROM coop_orders \n'
                                 'WHERE coop_orders.creator_id IN (__[POSTCOMPILE_ids]) AND '
                                 'coop_orders.status = :status_1 GROUP BY coop_orders.creator_id',
                                 {'status_1': 'delivered'},
                                 ('', '')),
 'orders.merchant_open': ('SELECT count(*) AS count_1 \n'
                          'FROM coop_orders \n'
                          'WHERE coop_orders.merchant_id = :actor AND coop_orders.status IN '
                          '(__[POSTCOMPILE_status_1])',
                          {'status_1': ['invited',
                                        'paid',
                                        'accepted',
                                        'sample_shipped',
                                        'scheduled',
                                        'confirmed']},
                          ('',)),
 'orders.merchant_status': ('SELECT count(*) AS count_1 \n'
                            'FROM coop_orders \n'
                            'WHERE coop_orders.merchant_id = :actor AND coop_orders.status = :status',
                            {},
                            ('',)),
 'plans.mine_submitted': ('SELECT count(*) AS count_1 \n'
                          'FROM stock_plans \n'
                          'WHERE stock_plans.creator_id = :actor AND stock_plans.status = :status_1',
                          {'status_1': 'submitted'},
                          ('',)),
 'plans.submitted': ('SELECT count(*) AS count_1 \nFROM stock_plans \nWHERE stock_plans.status = :status_1',
                     {'status_1': 'submitted'},
                     ('',)),
 'pool.counts': ('SELECT count(*) AS count_1, coalesce(sum(CAST(base_pool.listed AS INTEGER)), :coalesce_2) '
                 'AS coalesce_1 \n'
                 'FROM base_pool \n'
                 'WHERE base_pool.agency_id = :actor',
                 {'coalesce_2': 0},
                 ('', '')),
 'products.by_ids': ('SELECT products.id, products.name, products.store_id, products.category, '
                     'products.sales, products.commission_rate, products.price_cents, products.brand, '
                     'products.experience_score \n'
                     'FROM products \n'
                     'WHERE products.id IN (__[POSTCOMPILE_ids])',
                     {},
                     ('', '', '', '', '', 'decimal:4', '', '', 'decimal:1')),
 'products.categories_of': ('SELECT products.category, count(*) AS count_1 \n'
                            'FROM products \n'
                            'WHERE products.merchant_id = :actor GROUP BY products.category',
                            {},
                            ('', '')),
 'products.keys_all': ('SELECT products.id, products.merchant_id, products.recommend_index \n'
                       'FROM products ORDER BY products.recommend_index DESC, products.id\n'
                       ' LIMIT :limit OFFSET :offset',
                       {},
                       ('', '', '')),
 'products.keys_in_category': ('SELECT products.id, products.merchant_id, products.recommend_index \n'
                               'FROM products \n'
                               'WHERE products.category = :cat ORDER BY products.recommend_index DESC, '
                               'products.id\n'
                               ' LIMIT :limit OFFSET :offset',
                               {},
                               ('', '', '')),
 'products.keys_not_in': ('SELECT products.id, products.merchant_id, products.recommend_index \n'
                          'FROM products \n'
                          'WHERE (products.category NOT IN (__[POSTCOMPILE_cats])) ORDER BY '
                          'products.recommend_index DESC, products.id\n'
                          ' LIMIT :limit OFFSET :offset',
                          {},
                          ('', '', '')),
 'sales.agency_fee_since': ('SELECT coalesce(sum(sales.agency_fee_cents), :coalesce_2) AS coalesce_1 \n'
                            'FROM sales \n'
                            'WHERE sales.agency_id = :actor AND sales.paid_at >= :since',
                            {'coalesce_2': 0},
                            ('',)),
 'sales.creator_since': ('SELECT sales.paid_cents, sales.commission_rate \n'
                         'FROM sales \n'
                         'WHERE sales.creator_id = :actor AND sales.paid_at >= :since',
                         {},
                         ('', 'decimal:4')),
 'sample_reports.open': ('SELECT count(*) AS count_1 \n'
                         'FROM sample_reports \n'
                         'WHERE sample_reports.status = :status_1',
                         {'status_1': 'open'},
                         ('',)),
 'shops.names': ('SELECT stores.id, stores.name \nFROM stores \nWHERE stores.id IN (__[POSTCOMPILE_ids])',
                 {},
                 ('', '')),
 'shops.normal': ('SELECT count(*) AS count_1 \n'
                  'FROM stores \n'
                  'WHERE stores.merchant_id = :actor AND stores.standing = :standing_1',
                  {'standing_1': 'normal'},
                  ('',)),
 'sign_ins.open': ('SELECT count(*) AS count_1 \n'
                   'FROM sign_ins \n'
                   'WHERE sign_ins.agency_id = :actor AND sign_ins.ended_at IS NULL',
                   {},
                   ('',)),
 'tasks.completed_by_creator': ('SELECT live_tasks.creator_id, count(*) AS count_1 \n'
                                'FROM live_tasks \n'
                                'WHERE live_tasks.creator_id IN (__[POSTCOMPILE_ids]) AND live_tasks.status '
                                '= :status_1 GROUP BY live_tasks.creator_id',
                                {'status_1': 'completed'},
                                ('', '')),
 'tasks.creator_dropped': ('SELECT count(*) AS count_1 \n'
                           'FROM live_tasks \n'
                           'WHERE live_tasks.creator_id = :actor AND live_tasks.status = :status_1 AND '
                           'live_tasks.sub_status IN (__[POSTCOMPILE_sub_status_1])',
                           {'status_1': 'cancelled', 'sub_status_1': ['creator_cancelled', 'timed_out']},
                           ('',)),
 'tasks.creator_status': ('SELECT count(*) AS count_1 \n'
                          'FROM live_tasks \n'
                          'WHERE live_tasks.creator_id = :actor AND live_tasks.status = :status',
                          {},
                          ('',)),
 'tasks.lives_later': ('SELECT count(*) AS count_1 \n'
                       'FROM live_tasks \n'
                       'WHERE live_tasks.creator_id = :actor AND live_tasks.status = :status_1 AND '
                       'live_tasks.sub_status = :sub_status_1 AND live_tasks.air_at >= :start',
                       {'status_1': 'in_progress', 'sub_status_1': 'waiting_air'},
                       ('',)),
 'tasks.lives_today': ('SELECT count(*) AS count_1 \n'
                       'FROM live_tasks \n'
                       'WHERE live_tasks.creator_id = :actor AND live_tasks.status = :status_1 AND '
                       'live_tasks.sub_status IN (__[POSTCOMPILE_sub_status_1]) AND live_tasks.air_at >= '
                       ':start AND live_tasks.air_at < :end',
                       {'status_1': 'in_progress', 'sub_status_1': ['waiting_air', 'live']},
                       ('',)),
 'tasks.merchant_active': ('SELECT count(*) AS count_1 \n'
                           'FROM live_tasks \n'
                           'WHERE live_tasks.merchant_id = :actor AND live_tasks.status IN '
                           '(__[POSTCOMPILE_status_1])',
                           {'status_1': ['pending', 'in_progress', 'disputed']},
                           ('',)),
 'tasks.merchant_status': ('SELECT count(*) AS count_1 \n'
                           'FROM live_tasks \n'
                           'WHERE live_tasks.merchant_id = :actor AND live_tasks.status = :status',
                           {},
                           ('',)),
 'tasks.merchant_to_check': ('SELECT count(*) AS count_1 \n'
                             'FROM live_tasks \n'
                             'WHERE live_tasks.merchant_id = :actor AND live_tasks.status = :status_1 AND '
                             'live_tasks.sub_status = :sub_status_1',
                             {'status_1': 'in_progress', 'sub_status_1': 'awaiting_check'},
                             ('',)),
 'to_rate.creator_order': ('SELECT count(*) AS count_1 \n'
                           'FROM coop_orders \n'
                           'WHERE coop_orders.creator_id = :actor AND coop_orders.status IN '
                           '(__[POSTCOMPILE_status_1]) AND NOT (EXISTS (SELECT * \n'
                           'FROM ratings \n'
                           'WHERE ratings.subject = :subject_1 AND ratings.subject_id = coop_orders.id AND '
                           'ratings.rater_id = :actor))',
                           {'status_1': ['delivered', 'overdue'], 'subject_1': 'order'},
                           ('',)),
 'to_rate.creator_task': ('SELECT count(*) AS count_1 \n'
                          'FROM live_tasks \n'
                          'WHERE live_tasks.creator_id = :actor AND live_tasks.status = :status_1 AND NOT '
                          '(EXISTS (SELECT * \n'
                          'FROM ratings \n'
                          'WHERE ratings.subject = :subject_1 AND ratings.subject_id = live_tasks.id AND '
                          'ratings.rater_id = :actor))',
                          {'status_1': 'completed', 'subject_1': 'task'},
                          ('',)),
 'to_rate.merchant_order': ('SELECT count(*) AS count_1 \n'
                            'FROM coop_orders \n'
                            'WHERE coop_orders.merchant_id = :actor AND coop_orders.status IN '
                            '(__[POSTCOMPILE_status_1]) AND NOT (EXISTS (SELECT * \n'
                            'FROM ratings \n'
                            'WHERE ratings.subject = :subject_1 AND ratings.subject_id = coop_orders.id AND '
                            'ratings.rater_id = :actor))',
                            {'status_1': ['delivered', 'overdue'], 'subject_1': 'order'},
                            ('',)),
 'to_rate.merchant_task': ('SELECT count(*) AS count_1 \n'
                           'FROM live_tasks \n'
                           'WHERE live_tasks.merchant_id = :actor AND live_tasks.status = :status_1 AND NOT '
                           '(EXISTS (SELECT * \n'
                           'FROM ratings \n'
                           'WHERE ratings.subject = :subject_1 AND ratings.subject_id = live_tasks.id AND '
                           'ratings.rater_id = :actor))',
                           {'status_1': 'completed', 'subject_1': 'task'},
                           ('',)),
 'top_ups.confirmed_sum': ('SELECT coalesce(sum(top_ups.amount_cents), :coalesce_2) AS coalesce_1 \n'
                           'FROM top_ups \n'
                           'WHERE top_ups.merchant_id = :actor AND top_ups.status = :status_1',
                           {'coalesce_2': 0, 'status_1': 'confirmed'},
                           ('',)),
 'top_ups.mine_pending': ('SELECT count(*) AS count_1 \n'
                          'FROM top_ups \n'
                          'WHERE top_ups.merchant_id = :actor AND top_ups.status = :status_1',
                          {'status_1': 'pending'},
                          ('',)),
 'top_ups.pending': ('SELECT count(*) AS count_1 \nFROM top_ups \nWHERE top_ups.status = :status_1',
                     {'status_1': 'pending'},
                     ('',)),
 'users.by_handle': ('SELECT users.id, users.handle, users.name, users.role \n'
                     'FROM users \n'
                     'WHERE users.handle = :handle',
                     {},
                     ('', '', '', '')),
 'users.count': ('SELECT count(*) AS count_1 \nFROM users', {}, ('',)),
 'users.unverified': ('SELECT count(*) AS count_1 \nFROM users \nWHERE users.verified IS 0', {}, ('',)),
 'users.verified': ('SELECT users.verified \nFROM users \nWHERE users.id = :actor', {}, ('bool',))}
