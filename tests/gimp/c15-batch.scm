; SPDX-License-Identifier: GPL-3.0-or-later
; C14 and C15 (and C11's seeds): a batch script as a user writes it: load
; a file, run the filter non-interactively with named arguments (no
; dialog, no GTK: the harness fails on any message from the plug-in),
; save, and see failures.

(let* ((in (ns-path "content/chelsea.png"))
       (out (string-append ns-out "/chelsea-styled.png"))
       (img (car (gimp-file-load RUN-NONINTERACTIVE in)))
       (drw (vector-ref (car (gimp-image-get-layers img)) 0)))
  (gimp-image-scale img 90 60)
  ; C14: only the style file; every other argument has its default.
  (define first
    (car (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE
                               #:image img #:drawables (vector drw)
                               #:style-file
                               (ns-path "style/starry_night.jpg"))))
  (ns-check "c14 defaults only" (= (ns-n-layers img) 2))
  ; C15: named arguments (enough steps for the progress loop to poll a
  ; few times), then save the styled layer alone.
  (let ((layer (car (plug-in-neural-style
                      #:run-mode RUN-NONINTERACTIVE
                      #:image img #:drawables (vector drw)
                      #:style-file (ns-path "style/the_scream.jpg")
                      #:net "squeezenet" #:strength 0.8 #:iterations 1500
                      #:size 0 #:seed 42 #:preserve-colors FALSE))))
    (ns-check "c15 new layer directly above the source"
              (equal? (ns-layers img) (list first layer drw))
              (ns-layers img))
    (gimp-image-remove-layer img first)
    (gimp-item-set-visible drw FALSE)
    (gimp-file-save RUN-NONINTERACTIVE img out -1)
    (gimp-item-set-visible drw TRUE)
    (let* ((back (car (gimp-file-load RUN-NONINTERACTIVE out)))
           (saved (ns-top back)))
      (ns-check "c15 saved file holds the layer"
                (and (= (car (gimp-image-get-width back)) 90)
                     (equal? (ns-rgb (ns-pixel saved 30 30))
                             (ns-rgb (ns-pixel layer 30 30))))
                (ns-pixel saved 30 30) (ns-pixel layer 30 30))
      (gimp-image-delete back)))
  ; A failure reaches the script as an error it can catch and read.
  (ns-check "c15 failure seen by the script"
            (and (not (ns-try
                        (lambda ()
                          (plug-in-neural-style
                            #:run-mode RUN-NONINTERACTIVE
                            #:image img #:drawables (vector drw)
                            #:style-file (ns-path "odd/truncated.jpg")))))
                 (ns-contains? ns-last-error "truncated.jpg"))
            ns-last-error)
  ; C11 through the plug-in: a noise start is the seed's, the same seed
  ; gives the same layer and another seed another one.
  (define (noise-start init seed)
    (car (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE
                               #:image img #:drawables (vector drw)
                               #:style-file (ns-path "style/starry_night.jpg")
                               #:init init #:init-blend 0.3 #:seed seed)))
  (define (same-layers? a b)
    (ns-every 90 60 7
              (lambda (x y)
                (equal? (ns-rgb (ns-pixel a x y)) (ns-rgb (ns-pixel b x y))))))
  (let ((noise-7 (noise-start "noise" 7))
        (noise-7-again (noise-start "noise" 7))
        (noise-8 (noise-start "noise" 8))
        (blend-8 (noise-start "blend" 8)))
    (ns-check "c11 same seed, same layer" (same-layers? noise-7 noise-7-again))
    (ns-check "c11 another seed, another layer"
              (not (equal? (ns-rgb (ns-pixel noise-7 45 30))
                           (ns-rgb (ns-pixel noise-8 45 30))))
              (ns-pixel noise-7 45 30) (ns-pixel noise-8 45 30))
    (ns-check "c11 a blend start differs from noise alone"
              (not (equal? (ns-rgb (ns-pixel blend-8 45 30))
                           (ns-rgb (ns-pixel noise-8 45 30))))
              (ns-pixel blend-8 45 30) (ns-pixel noise-8 45 30)))
  (gimp-image-delete img))
